/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * The exporting process on the main lcore. Workers hand over finished
 * IPFIX data messages; this file copies each into every collector's
 * queue, gives the buffer back at once, and sends from the queues
 * through the collectors' links (lib/collector, on drivers/ipfix's transports)
 * without ever blocking.
 *
 * Per collector:
 * - a bounded queue of message copies. Three monotonic counters cut it:
 *   [first, next) sent and not yet acknowledged (TCP; empty for UDP and
 *   file, which are done once sent), [next, end) waiting. A message that
 *   finds the queue full is dropped and its records, packets and octets
 *   are counted as not sent (notSentFlowTotalCount and friends), so a
 *   collector that is down or slow costs memory up to a bound and never
 *   stalls anybody;
 * - control messages (templates, options data) that go before any queued
 *   data: at every new session (TCP connection, UDP and file start), at
 *   every template refresh for UDP (RFC 7011 §8.4), and with fresh
 *   statistics every refresh period for all transports;
 * - per Observation Domain (one per worker), the sequence number of the
 *   session, stamped on each message as it is sent: data records sent
 *   before it in this session (RFC 7011 §3.1). A new TCP connection is a
 *   new session and starts again at 0. Messages the collector's host had
 *   not acknowledged when a connection died are sent again on the next.
 *
 * Accounting: every flow record a worker hands over is counted exactly once
 * per collector, either as sent (exportedFlowRecordTotalCount) or as not
 * sent (notSentFlowTotalCount). A data message's records count as sent when
 * the transport gives its cookie back as done (UDP and file: when taken;
 * TCP: when the collector's host acknowledged it), not when it is handed to
 * the transport: a TCP message may be handed over twice (resent after a
 * disconnect) or never acknowledged (a collector that stops reading, given
 * up at exit), and counting at the hand-over counted both of those as sent,
 * the second also as not sent. Messages and octets still count every
 * transmission (exportedMessageTotalCount, exportedOctetTotalCount).
 *
 * Everything here runs on the main lcore only.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_ring.h>

#define WM_LOGTYPE wm_logtype_ipfix

#include "wm_app.h"
#include "wm_collector.h"
#include "wm_evidence.h"
#include "wm_ipfix_transport.h"

/* Messages taken from one worker's ring per poll: bounded work. */
#define DRAIN_MSGS 64
/* How long shutdown waits for collectors to take what is queued. */
#define SHUTDOWN_GRACE_S 10
/* Cookies of control messages: the top bit set; data cookies are queue counters. */
#define CTRL_COOKIE (1ULL << 63)

/* A message in a collector's queue or control list. */
struct slot {
	uint16_t len;
	uint32_t records; /* data records, for the sequence number */
	uint32_t flows;	  /* of them, flow records, for the counters */
	uint32_t domain;  /* worker index */
	uint64_t pkts;
	uint64_t octets;
};

/* What a collector knows of one Observation Domain. */
struct domain_state {
	struct wm_ipfix_seq seq; /* numbering of this session */
	uint64_t messages;	 /* messages sent (all sessions) */
	uint64_t records;	 /* data records sent, options data included */
	uint64_t flow_records;	 /* flow records sent: acknowledged, each once */
	uint64_t flow_pkts;	 /* their packets (both directions), as not_sent_pkts */
	uint64_t flow_octets;	 /* their octets, as not_sent_octets */
	uint64_t octets;	 /* message bytes sent */
	uint64_t not_sent_flows; /* flow records dropped or refused */
	uint64_t not_sent_pkts;
	uint64_t not_sent_octets;
};

/*
 * The domain counters a collector's figures sum over its domains: field,
 * the report's key (RFC 7011's Information Element names, or the sent
 * counterpart of one).
 */
#define DOMAIN_FOREACH_SUM(X)                           \
	X(messages, "exportedMessageTotalCount")        \
	X(flow_records, "exportedFlowRecordTotalCount") \
	X(octets, "exportedOctetTotalCount")            \
	X(flow_pkts, "sentPacketTotalCount")            \
	X(flow_octets, "sentOctetTotalCount")           \
	X(not_sent_flows, "notSentFlowTotalCount")      \
	X(not_sent_pkts, "notSentPacketTotalCount")     \
	X(not_sent_octets, "notSentOctetTotalCount")

struct collector {
	struct wm_ipfix_transport *t;
	uint32_t cap;	    /* queue capacity in messages */
	uint8_t *mem;	    /* cap messages of mtu bytes */
	struct slot *slots; /* cap */
	uint64_t first;	    /* oldest message sent and not acknowledged */
	uint64_t next;	    /* next message to send */
	uint64_t end;	    /* where the next message goes */
	uint8_t *ctrl_mem;  /* control messages, mtu bytes each */
	struct slot *ctrl;  /* ctrl_cap */
	unsigned int ctrl_cap;
	unsigned int n_ctrl;
	unsigned int ctrl_next;
	bool in_session;		/* templates went out on this session */
	bool was_up;			/* the transport was up at the last poll (for the log) */
	uint64_t errors_logged;		/* the link's errors_seen when last looked at */
	char last_logged[224];		/* the link failure logged last */
	struct wm_ipfix_period refresh; /* template (UDP) and statistics refresh, on the TSC */
	struct domain_state *dom;	/* one per worker */
	uint64_t resent;		/* messages sent again after a disconnect */
	uint64_t dropped_msgs;		/* messages that found the queue full */
};

static struct {
	struct collector col[WM_CONF_MAX_COLLECTORS];
	unsigned int n_col;
	struct wm_ipfix_encoder *enc; /* the main lcore's own, for control messages */
	uint16_t mtu;
	uint64_t refresh_tsc;
	uint64_t init_time_ms; /* systemInitTimeMilliseconds */
	unsigned int n_domains;
} ex;

bool
wm_exporter_enabled(void)
{
	return ex.n_col > 0;
}

int
wm_exporter_open(const struct wm_conf *conf)
{
	const struct wm_collector_params prm = {
		.rate_per_s = conf->ipfix_rate_per_s,
		.rate_bits = conf->ipfix_rate_bits != 0,
		.ca_file = conf->ipfix_ca,
		.cert_file = conf->ipfix_cert,
		.key_file = conf->ipfix_key,
		.server_name = conf->ipfix_server_name,
		/* file: collectors are outputs as --flows-json is: encrypted, signed alike. */
		.file_open = wm_evidence_outputs_guarded() ? wm_evidence_fopen : NULL,
	};
	struct timespec ts;
	char err[256];
	unsigned int i;

	clock_gettime(CLOCK_REALTIME, &ts);
	ex.init_time_ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	for (i = 0; i < conf->n_ipfix; i++) {
		struct wm_ipfix_transport *t =
			wm_collector_open(conf->ipfix[i], &prm, err, sizeof(err));

		if (t == NULL) {
			fprintf(stderr, "wiremeter: error: --ipfix %s: %s\n", conf->ipfix[i], err);
			while (ex.n_col > 0)
				wm_ipfix_transport_close(ex.col[--ex.n_col].t);
			return -EINVAL;
		}
		ex.col[ex.n_col++].t = t;
	}
	return 0;
}

/* The worker side: an encoder, message buffers and the two rings. */
static int
worker_init(struct wm_app *app, struct wm_worker *w, const struct wm_ipfix_params *ip)
{
	const size_t bsz = RTE_ALIGN_CEIL(sizeof(struct wm_ipfix_buf) + ex.mtu, 64);
	char name[RTE_RING_NAMESIZE];
	uint8_t *mem;
	unsigned int i;

	w->ipfix_enc = wm_ipfix_encoder_create(ip);
	if (w->ipfix_enc == NULL)
		return -ENOMEM;
	w->domain_id = app->conf.observation_domain + w->index;
	w->ipfix_flush_tsc = (uint64_t)(app->conf.ipfix_flush * (double)app->tsc_hz);
	snprintf(name, sizeof(name), "wm_ipfix_free_%u", w->index);
	w->ipfix_free = rte_ring_create(name, WM_IPFIX_BUFS, w->socket_id,
					RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ);
	snprintf(name, sizeof(name), "wm_ipfix_full_%u", w->index);
	w->ipfix_full = rte_ring_create(name, WM_IPFIX_BUFS, w->socket_id,
					RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ);
	mem = rte_zmalloc_socket("wm_ipfix_bufs", bsz * WM_IPFIX_BUFS, RTE_CACHE_LINE_SIZE,
				 w->socket_id);
	if (w->ipfix_free == NULL || w->ipfix_full == NULL || mem == NULL)
		return -ENOMEM;
	for (i = 0; i < WM_IPFIX_BUFS; i++)
		rte_ring_enqueue(w->ipfix_free, mem + i * bsz);
	return 0;
}

static int
collector_init(struct collector *c, unsigned int cap, unsigned int n_domains)
{
	c->cap = cap;
	c->mem = malloc((size_t)cap * ex.mtu);
	c->slots = calloc(cap, sizeof(*c->slots));
	/*
	 * Per domain: templates and type records (a few messages at the smallest MTU),
	 * statistics, interfaces.
	 */
	c->ctrl_cap =
		n_domains * (WM_IPFIX_N_TEMPLATES + wm_ipfix_type_records() + 2) + RTE_MAX_ETHPORTS;
	c->ctrl_mem = malloc((size_t)c->ctrl_cap * ex.mtu);
	c->ctrl = calloc(c->ctrl_cap, sizeof(*c->ctrl));
	c->dom = calloc(n_domains, sizeof(*c->dom));
	if (c->mem == NULL || c->slots == NULL || c->ctrl_mem == NULL || c->ctrl == NULL ||
	    c->dom == NULL)
		return -ENOMEM;
	return 0;
}

int
wm_exporter_init(struct wm_app *app)
{
	struct wm_ipfix_params ip = {
		.mode = app->conf.ipfix_mode == WM_CONF_IPFIX_UNIFLOW ? WM_IPFIX_UNIFLOW
								      : WM_IPFIX_BIFLOW,
		.pen = app->conf.ipfix_pen,
	};
	unsigned int i;

	if (ex.n_col == 0)
		return 0;
	ex.mtu = (uint16_t)app->conf.ipfix_mtu;
	ex.enc = wm_ipfix_encoder_create(&ip);
	if (ex.enc == NULL)
		goto nomem;
	if (wm_ipfix_encoder_min_mtu(ex.enc) > ex.mtu) {
		fprintf(stderr,
			"wiremeter: error: --ipfix-mtu %u is below the %u bytes a record "
			"or a template needs\n",
			ex.mtu, wm_ipfix_encoder_min_mtu(ex.enc));
		return -EINVAL;
	}
	ex.refresh_tsc = (uint64_t)(app->conf.template_refresh * (double)app->tsc_hz);
	ex.n_domains = app->n_workers;
	for (i = 0; i < app->n_workers; i++)
		if (worker_init(app, app->workers[i], &ip) != 0)
			goto nomem;
	for (i = 0; i < ex.n_col; i++)
		if (collector_init(&ex.col[i], app->conf.ipfix_queue, ex.n_domains) != 0)
			goto nomem;
	return 0;
nomem:
	fprintf(stderr, "wiremeter: error: out of memory for IPFIX export\n");
	return -ENOMEM;
}

static uint32_t
export_time(void)
{
	return (uint32_t)time(NULL);
}

/* Add a control message: start one, let @p fill add records, close it. */
static struct wm_ipfix_msg *
ctrl_begin(struct collector *c, unsigned int domain)
{
	static struct wm_ipfix_msg m;

	if (c->n_ctrl == c->ctrl_cap)
		return NULL;
	wm_ipfix_msg_init(&m, c->ctrl_mem + (size_t)c->n_ctrl * ex.mtu, ex.mtu,
			  wm_app.workers[domain]->domain_id);
	return &m;
}

static void
ctrl_end(struct collector *c, struct wm_ipfix_msg *m, unsigned int domain)
{
	if (wm_ipfix_msg_empty(m))
		return;
	c->ctrl[c->n_ctrl] = (struct slot){
		.len = wm_ipfix_msg_finish(m, 0, 0),
		.records = m->records,
		.domain = domain,
	};
	c->n_ctrl++;
}

/* One domain's type records, templates, then its interface names (whole messages). */
static void
ctrl_templates(struct collector *c, unsigned int d)
{
	unsigned int cursor = 0;
	uint16_t pid;

	/* RFC 5610 type records first: collectors name our elements as they read a template. */
	while (cursor <= wm_ipfix_type_records()) {
		struct wm_ipfix_msg *m = ctrl_begin(c, d);

		if (m == NULL || wm_ipfix_msg_add_type_records(m, ex.enc, &cursor) < 0)
			return;
		ctrl_end(c, m, d);
	}
	cursor = 0;
	while (cursor < WM_IPFIX_N_TEMPLATES) {
		struct wm_ipfix_msg *m = ctrl_begin(c, d);

		if (m == NULL || wm_ipfix_msg_add_templates(m, ex.enc, &cursor) < 0)
			return;
		ctrl_end(c, m, d);
	}
	/* Interface names: which DPDK port is which ingressInterface. */
	{
		struct wm_ipfix_msg *m = ctrl_begin(c, d);

		if (m == NULL)
			return;
		RTE_ETH_FOREACH_DEV(pid) {
			const struct wm_port *p = &wm_app.ports[pid];

			if (wm_ipfix_msg_add_interface(m, ex.enc, pid, p->name, p->driver) ==
			    -ENOSPC) {
				ctrl_end(c, m, d);
				m = ctrl_begin(c, d);
				if (m == NULL)
					return;
				wm_ipfix_msg_add_interface(m, ex.enc, pid, p->name, p->driver);
			}
		}
		ctrl_end(c, m, d);
	}
}

/* Exporting-process reliability and metering-process statistics of one domain. */
static void
ctrl_stats(struct collector *c, unsigned int d)
{
	const struct wm_worker *w = wm_app.workers[d];
	const struct wm_flow_stats *fs = wm_flow_table_stats(w->flows);
	const struct domain_state *ds = &c->dom[d];
	struct wm_ipfix_msg *m = ctrl_begin(c, d);
	struct wm_ipfix_export_stats es = {
		.domain_id = w->domain_id,
		.messages = ds->messages,
		.records = ds->flow_records,
		.octets = ds->octets,
		.not_sent_flows = ds->not_sent_flows,
		.not_sent_pkts = ds->not_sent_pkts,
		.not_sent_octets = ds->not_sent_octets,
		.init_time_ms = ex.init_time_ms,
	};
	struct wm_ipfix_meter_stats ms = {
		.domain_id = w->domain_id,
		.observed_flows = wm_read_u64(&fs->created),
		.packets = wm_read_u64(&fs->pkts),
		.octets = wm_read_u64(&fs->octets),
		.init_time_ms = ex.init_time_ms,
	};
	uint16_t pid;

	if (m == NULL)
		return;
	RTE_ETH_FOREACH_DEV(pid)
		ms.ignored_pkts += wm_read_u64(&w->port[pid].parse_errors) +
				   wm_read_u64(&w->port[pid].filtered);
	wm_ipfix_msg_add_export_stats(m, ex.enc, &es);
	wm_ipfix_msg_add_meter_stats(m, ex.enc, &ms);
	ctrl_end(c, m, d);
}

/* Replace the control list: templates when asked, statistics always. */
static void
ctrl_build(struct collector *c, bool templates)
{
	unsigned int d;

	c->n_ctrl = 0;
	c->ctrl_next = 0;
	for (d = 0; d < ex.n_domains; d++) {
		if (templates)
			ctrl_templates(c, d);
		ctrl_stats(c, d);
	}
}

/* A message leaves a collector's reach: count its flow records as not sent. */
static void
count_not_sent(struct collector *c, const struct slot *s)
{
	struct domain_state *ds = &c->dom[s->domain];

	ds->not_sent_flows += s->flows;
	ds->not_sent_pkts += s->pkts;
	ds->not_sent_octets += s->octets;
}

/* Copy a worker's message into every collector's queue, or count it dropped there. */
static void
enqueue(unsigned int domain, const struct wm_ipfix_buf *b)
{
	unsigned int i;

	for (i = 0; i < ex.n_col; i++) {
		struct collector *c = &ex.col[i];
		struct slot *s;

		if (c->end - c->first == c->cap) {
			const struct slot lost = {.records = b->records,
						  .flows = b->flows,
						  .domain = domain,
						  .pkts = b->pkts,
						  .octets = b->octets};

			count_not_sent(c, &lost);
			c->dropped_msgs++;
			continue;
		}
		s = &c->slots[c->end % c->cap];
		*s = (struct slot){.len = b->len,
				   .records = b->records,
				   .flows = b->flows,
				   .domain = domain,
				   .pkts = b->pkts,
				   .octets = b->octets};
		memcpy(c->mem + (c->end % c->cap) * ex.mtu, b->data, b->len);
		c->end++;
	}
}

static unsigned int
drain_workers(struct wm_app *app)
{
	unsigned int wi, total = 0;

	for (wi = 0; wi < app->n_workers; wi++) {
		struct wm_worker *w = app->workers[wi];
		void *bufs[DRAIN_MSGS];
		unsigned int n, i;

		n = rte_ring_dequeue_burst(w->ipfix_full, bufs, DRAIN_MSGS, NULL);
		for (i = 0; i < n; i++)
			enqueue(wi, bufs[i]);
		/* Never fails: the free ring holds every buffer there is. */
		if (n > 0)
			rte_ring_enqueue_bulk(w->ipfix_free, bufs, n, NULL);
		total += n;
	}
	return total;
}

/*
 * Send one message: stamp its header for this session and hand it to
 * the transport. Returns the transport's answer.
 */
static int
send_one(struct collector *c, uint8_t *msg, const struct slot *s, uint64_t cookie)
{
	struct domain_state *ds = &c->dom[s->domain];
	struct wm_ipfix_seq seq = ds->seq;
	int rc;

	wm_ipfix_seq_stamp(&seq, msg, s->records, export_time());
	rc = wm_ipfix_transport_send(c->t, msg, s->len, cookie);
	if (rc != 0)
		return rc;
	ds->seq = seq;
	ds->messages++;
	ds->records += s->records;
	ds->octets += s->len;
	return 0;
}

/*
 * A data message is done: its flow records count as sent, here and only
 * here. Each cookie comes back done at most once (a message resent after a
 * disconnect was given back as unacknowledged the first time), and a
 * cookie >= first is still in the queue: its slot is not reused before
 * first passes it. Cookies are counted one by one, not as a range from
 * first: a UDP message refused between two sent ones lies in that range
 * and was counted as not sent.
 */
static void
count_sent(struct collector *c, uint64_t cookie)
{
	const struct slot *s = &c->slots[cookie % c->cap];

	struct domain_state *ds = &c->dom[s->domain];

	ds->flow_records += s->flows;
	ds->flow_pkts += s->pkts;
	ds->flow_octets += s->octets;
	c->first = cookie + 1;
}

/* Take the transport's news: acknowledged messages, and what a lost connection left. */
static void
collector_acks(struct collector *c)
{
	uint64_t cookies[256];
	unsigned int n, i;

	while ((n = wm_ipfix_transport_take_acked(c->t, cookies, RTE_DIM(cookies))) > 0)
		for (i = 0; i < n; i++)
			if (!(cookies[i] & CTRL_COOKIE) && cookies[i] >= c->first)
				count_sent(c, cookies[i]);
	/* Whatever was in flight when the connection died goes again on the next one. */
	while (wm_ipfix_transport_take_unacked(c->t, cookies, RTE_DIM(cookies)) > 0)
		;
	if (!wm_ipfix_transport_up(c->t) && c->next != c->first) {
		c->resent += c->next - c->first;
		c->next = c->first;
	}
}

/*
 * A failure of the link (a refused datagram, a TLS handshake or
 * certificate that failed) is logged with its reason when it differs
 * from the last one logged; repeats of it are only counted (the report
 * and the console have the counts).
 */
static void
collector_log_errors(struct collector *c)
{
	struct wm_collector_stats xs;

	wm_collector_stats(c->t, &xs);
	if (xs.errors_seen == c->errors_logged)
		return;
	c->errors_logged = xs.errors_seen;
	if (strcmp(xs.last_error, c->last_logged) == 0)
		return;
	snprintf(c->last_logged, sizeof(c->last_logged), "%s", xs.last_error);
	WM_LOG(WARNING, "IPFIX collector %s: %s", wm_ipfix_transport_uri(c->t), xs.last_error);
}

static unsigned int
collector_poll(struct collector *c, uint64_t now_tsc, uint64_t now_ns)
{
	unsigned int sent = 0;
	int rc;

	rc = wm_ipfix_transport_poll(c->t, now_ns);
	collector_acks(c);
	collector_log_errors(c);
	if (rc == WM_IPFIX_TRANSPORT_NEW_SESSION) {
		unsigned int d;

		/* A new session counts its sequence numbers from 0 and needs templates. */
		for (d = 0; d < ex.n_domains; d++)
			c->dom[d].seq.next = 0;
		ctrl_build(c, true);
		c->in_session = true;
		wm_ipfix_period_start(&c->refresh, ex.refresh_tsc, now_tsc);
		WM_LOG(INFO, "IPFIX collector %s: session %" PRIu64 " begins, templates queued",
		       wm_ipfix_transport_uri(c->t), wm_ipfix_transport_stats(c->t)->sessions);
	}
	if (!wm_ipfix_transport_up(c->t)) {
		if (c->was_up)
			WM_LOG(WARNING, "IPFIX collector %s: connection lost; messages queue up",
			       wm_ipfix_transport_uri(c->t));
		c->was_up = false;
		c->in_session = false;
		return 0;
	}
	c->was_up = true;
	if (c->in_session && wm_ipfix_period_due(&c->refresh, now_tsc)) {
		/* UDP collectors may have missed the templates (RFC 7011 §8.4). */
		ctrl_build(c, wm_ipfix_transport_kind(c->t) == WM_IPFIX_TRANSPORT_UDP);
	}
	while (c->ctrl_next < c->n_ctrl) {
		const struct slot *s = &c->ctrl[c->ctrl_next];

		rc = send_one(c, c->ctrl_mem + (size_t)c->ctrl_next * ex.mtu, s,
			      CTRL_COOKIE | c->ctrl_next);
		if (rc == -EAGAIN || rc == -ENOTCONN)
			return sent;
		/* A control message refused otherwise is not retried: the next refresh has it. */
		c->ctrl_next++;
		sent++;
	}
	while (c->next < c->end) {
		const struct slot *s = &c->slots[c->next % c->cap];

		rc = send_one(c, c->mem + (c->next % c->cap) * ex.mtu, s, c->next);
		if (rc == -EAGAIN || rc == -ENOTCONN)
			break;
		/* TCP keeps a failed message for the next connection. */
		if (rc != 0 && wm_ipfix_transport_kind(c->t) == WM_IPFIX_TRANSPORT_TCP)
			break;
		if (rc != 0) {
			/* Refused (a UDP collector not listening) or failed: not sent. */
			count_not_sent(c, s);
			if (c->first == c->next)
				c->first++;
		}
		c->next++;
		sent++;
	}
	collector_acks(c);
	return sent;
}

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

unsigned int
wm_exporter_poll(struct wm_app *app)
{
	uint64_t now_tsc = rte_rdtsc(), now_ns = mono_ns();
	unsigned int i, work;

	if (ex.n_col == 0)
		return 0;
	work = drain_workers(app);
	for (i = 0; i < ex.n_col; i++)
		work += collector_poll(&ex.col[i], now_tsc, now_ns);
	return work;
}

static bool
collector_idle(const struct collector *c)
{
	return c->next == c->end && c->ctrl_next == c->n_ctrl && !wm_ipfix_transport_busy(c->t);
}

/*
 * After every worker is done: drain their rings, send final statistics,
 * and wait (bounded) until each collector has everything. What a
 * collector still lacks at the deadline is counted as not sent.
 */
void
wm_exporter_finish(struct wm_app *app)
{
	uint64_t deadline = rte_rdtsc() + SHUTDOWN_GRACE_S * rte_get_tsc_hz();
	unsigned int i;
	bool idle;

	if (ex.n_col == 0)
		return;
	while (drain_workers(app) > 0)
		wm_exporter_poll(app);
	/* Final statistics, after the data they describe. */
	for (i = 0; i < ex.n_col; i++) {
		struct collector *c = &ex.col[i];

		while (!collector_idle(c) && wm_ipfix_transport_up(c->t) &&
		       rte_rdtsc() < deadline) {
			wm_exporter_poll(app);
			rte_delay_us_sleep(100);
		}
		/* The statistics count what was acknowledged until now. */
		collector_acks(c);
		if (c->in_session)
			ctrl_build(c, false);
	}
	do {
		wm_exporter_poll(app);
		idle = true;
		for (i = 0; i < ex.n_col; i++)
			idle &= collector_idle(&ex.col[i]);
		if (!idle)
			rte_delay_us_sleep(100);
	} while (!idle && rte_rdtsc() < deadline);
	for (i = 0; i < ex.n_col; i++) {
		struct collector *c = &ex.col[i];

		/* What was acknowledged since the last poll counts as sent. */
		collector_acks(c);
		if (collector_idle(c))
			continue;
		/* Unreachable to the end: nothing from first on was acknowledged. */
		for (; c->first < c->end; c->first++)
			count_not_sent(c, &c->slots[c->first % c->cap]);
		c->next = c->end;
		/* Up yet not drained: too slow, or paced below what was queued. */
		WM_LOG(WARNING, "IPFIX collector %s: %s at exit", wm_ipfix_transport_uri(c->t),
		       wm_ipfix_transport_up(c->t) ? "queue not drained within the grace period"
						   : "unreachable");
	}
}

void
wm_exporter_reopen(void)
{
	unsigned int i;

	for (i = 0; i < ex.n_col; i++) {
		struct wm_ipfix_transport *t = ex.col[i].t;
		int rc;

		if (wm_ipfix_transport_kind(t) != WM_IPFIX_TRANSPORT_FILE)
			continue;
		rc = wm_ipfix_transport_reopen(t);
		if (rc != 0)
			WM_LOG(ERR, "IPFIX collector %s: reopen: %s", wm_ipfix_transport_uri(t),
			       strerror(-rc));
		else
			WM_LOG(INFO, "IPFIX collector %s: reopened", wm_ipfix_transport_uri(t));
	}
}

unsigned int
wm_exporter_flush(void)
{
	unsigned int i, failed = 0;

	for (i = 0; i < ex.n_col; i++)
		if (wm_ipfix_transport_flush(ex.col[i].t) != 0)
			failed++;
	return failed;
}

void
wm_exporter_close(struct wm_app *app)
{
	unsigned int i;

	for (i = 0; i < ex.n_col; i++) {
		struct collector *c = &ex.col[i];

		if (wm_ipfix_transport_close(c->t) != 0)
			WM_LOG(ERR, "IPFIX collector %s: close failed",
			       wm_ipfix_transport_uri(c->t));
		free(c->mem);
		free(c->slots);
		free(c->ctrl_mem);
		free(c->ctrl);
		free(c->dom);
	}
	for (i = 0; i < app->n_workers; i++) {
		struct wm_worker *w = app->workers[i];

		wm_ipfix_encoder_free(w->ipfix_enc);
		rte_ring_free(w->ipfix_free);
		rte_ring_free(w->ipfix_full);
	}
	wm_ipfix_encoder_free(ex.enc);
	ex.n_col = 0;
}

/* A collector's DOMAIN_FOREACH_SUM counters over its domains (the rest of sum zero). */
static void
collector_sum(const struct collector *c, struct domain_state *sum)
{
	unsigned int d;

	memset(sum, 0, sizeof(*sum));
	for (d = 0; d < ex.n_domains; d++) {
#define X(f, k) sum->f += c->dom[d].f;
		DOMAIN_FOREACH_SUM(X)
#undef X
	}
}

static uint64_t
collector_refused(const struct collector *c)
{
	struct wm_collector_stats xs;

	wm_collector_stats(c->t, &xs);
	return xs.refused;
}

void
wm_exporter_totals(struct wm_exporter_totals *t)
{
	unsigned int i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < ex.n_col; i++) {
		const struct collector *c = &ex.col[i];
		struct domain_state sum;

		collector_sum(c, &sum);
		t->records_sent += sum.flow_records;
		t->records_not_sent += sum.not_sent_flows;
		t->queued += c->end - c->next;
		t->refused += collector_refused(c);
	}
}

unsigned int
wm_exporter_collectors(struct wm_exporter_collector *out, unsigned int max)
{
	unsigned int i;

	for (i = 0; i < ex.n_col && i < max; i++) {
		const struct collector *c = &ex.col[i];
		const struct wm_ipfix_transport_stats *ts = wm_ipfix_transport_stats(c->t);
		struct wm_exporter_collector *o = &out[i];
		struct domain_state sum;

		memset(o, 0, sizeof(*o));
		snprintf(o->uri, sizeof(o->uri), "%s", wm_ipfix_transport_uri(c->t));
		collector_sum(c, &sum);
		o->messages = sum.messages;
		o->flow_records = sum.flow_records;
		o->octets = sum.octets;
		o->not_sent_flows = sum.not_sent_flows;
		o->not_sent_pkts = sum.not_sent_pkts;
		o->not_sent_octets = sum.not_sent_octets;
		o->queued = c->end - c->next;
		o->dropped_msgs = c->dropped_msgs;
		o->resent = c->resent;
		o->sessions = ts->sessions;
		o->disconnects = ts->disconnects;
		o->send_errors = ts->errors;
		o->refused = collector_refused(c);
	}
	return i;
}

static void
set_u64(json_t *o, const char *key, uint64_t v)
{
	json_object_set_new(o, key, json_integer((json_int_t)v));
}

/*
 * What the link adds (lib/collector): refusals and pacing for UDP,
 * handshakes and their failures for TLS, and the last failure's reason.
 */
static void
collector_link_json(const struct collector *c, json_t *jc)
{
	struct wm_collector_stats xs;
	bool bits;
	uint64_t rate = wm_collector_rate(c->t, &bits);

	wm_collector_stats(c->t, &xs);
	if (wm_ipfix_transport_kind(c->t) == WM_IPFIX_TRANSPORT_UDP) {
		set_u64(jc, "refusedDatagrams", xs.refused);
		set_u64(jc, "pacingWaits", xs.paced);
		set_u64(jc, bits ? "pacingBitsPerSecond" : "pacingMessagesPerSecond", rate);
	}
	if (strcmp(wm_collector_scheme(c->t), "tls") == 0 ||
	    strcmp(wm_collector_scheme(c->t), "dtls") == 0) {
		set_u64(jc, "tlsHandshakes", xs.tls_handshakes);
		set_u64(jc, "tlsHandshakeFailures", xs.tls_failures);
		set_u64(jc, "tlsVerifyFailures", xs.tls_verify_failures);
	}
	json_object_set_new(jc, "lastError",
			    xs.errors_seen != 0 ? json_string(xs.last_error) : json_null());
}

/* One collector in the report: its figures summed over the domains, and its transport's. */
static json_t *
collector_json(const struct collector *c)
{
	const struct wm_ipfix_transport_stats *ts = wm_ipfix_transport_stats(c->t);
	json_t *jc = json_object();
	struct domain_state sum;

	collector_sum(c, &sum);
	json_object_set_new(jc, "uri", json_string(wm_ipfix_transport_uri(c->t)));
	json_object_set_new(jc, "transport", json_string(wm_collector_scheme(c->t)));
	/* sent* with notSent*: every packet and octet metered. */
#define X(f, k) set_u64(jc, k, sum.f);
	DOMAIN_FOREACH_SUM(X)
#undef X
	set_u64(jc, "messagesDroppedQueueFull", c->dropped_msgs);
	set_u64(jc, "messagesResent", c->resent);
	set_u64(jc, "sessions", ts->sessions);
	set_u64(jc, "disconnects", ts->disconnects);
	set_u64(jc, "sendErrors", ts->errors);
	collector_link_json(c, jc);
	return jc;
}

/* The report's "ipfix": collectors and the workers' encoding (keys sorted when written). */
json_t *
wm_exporter_report_json(struct wm_app *app)
{
	json_t *root, *cols, *workers;
	unsigned int i;

	if (ex.n_col == 0)
		return json_null();
	root = json_object();
	json_object_set_new(
		root, "mode",
		json_string(app->conf.ipfix_mode == WM_CONF_IPFIX_UNIFLOW ? "uniflow" : "biflow"));
	cols = json_array();
	for (i = 0; i < ex.n_col; i++)
		json_array_append_new(cols, collector_json(&ex.col[i]));
	json_object_set_new(root, "collectors", cols);
	workers = json_array();
	for (i = 0; i < app->n_workers; i++) {
		const struct wm_worker *w = app->workers[i];
		json_t *jw = json_object();

		json_object_set_new(jw, "observationDomainId", json_integer(w->domain_id));
		set_u64(jw, "recordsEncoded", w->ipfix_records);
		set_u64(jw, "messages", w->ipfix_messages);
		set_u64(jw, "waitsForBuffer", w->ipfix_no_buf);
		json_array_append_new(workers, jw);
	}
	json_object_set_new(root, "workers", workers);
	return root;
}

void
wm_exporter_summary(struct wm_app *app)
{
	unsigned int i;

	(void)app;
	for (i = 0; i < ex.n_col; i++) {
		const struct collector *c = &ex.col[i];
		struct domain_state sum;

		collector_sum(c, &sum);
		printf("ipfix %s: %" PRIu64 " messages, %" PRIu64 " flow records sent, %" PRIu64
		       " not sent, %" PRIu64 " resent after reconnect\n",
		       wm_ipfix_transport_uri(c->t), sum.messages, sum.flow_records,
		       sum.not_sent_flows, c->resent);
		if (collector_refused(c) != 0)
			printf("ipfix %s: refused %" PRIu64
			       " datagrams (ICMP port unreachable: nothing listened there)\n",
			       wm_ipfix_transport_uri(c->t), collector_refused(c));
	}
}
