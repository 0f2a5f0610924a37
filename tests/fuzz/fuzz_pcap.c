/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * A capture file, as wiremeter handles one before and while replaying
 * it: libpcap opens it (here over fmemopen'd bytes), anything but
 * Ethernet is refused, the packets are counted first (the pcap port
 * learns its end from the count, app/wiremeter/port.c), then read again
 * as the pcap PMD does and each one given to the parser with its
 * captured length. The count and the replay must agree, and every
 * packet libpcap hands out must lie inside its buffer (each is copied to
 * a buffer of exactly caplen bytes, so ASan sees a read past it).
 *
 * Small and self-contained on purpose: it repeats the few libpcap calls
 * of port.c rather than linking the application.
 */

#include <pcap/pcap.h>

#include "fuzz.h"
#include "wm_pkt.h"

/* Open the bytes as a capture; NULL when libpcap refuses them or the link is not Ethernet. */
static pcap_t *
open_bytes(const uint8_t *data, size_t size, FILE **fp)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	pcap_t *p;

	*fp = fmemopen((void *)data, size, "rb");
	if (*fp == NULL)
		return NULL;
	p = pcap_fopen_offline(*fp, ebuf);
	if (p == NULL) {
		/* Refused: the FILE is still ours. Taken: pcap_close() closes it. */
		fclose(*fp);
		return NULL;
	}
	if (pcap_datalink(p) != DLT_EN10MB) {
		pcap_close(p);
		return NULL;
	}
	return p;
}

/* As wm_pcap_count_packets(): the packets before the end or the first error. */
static uint64_t
count_packets(pcap_t *p)
{
	struct pcap_pkthdr *h;
	const u_char *d;
	uint64_t n = 0;

	while (pcap_next_ex(p, &h, &d) == 1)
		n++;
	return n;
}

static uint64_t
replay(pcap_t *p)
{
	struct pcap_pkthdr *h;
	struct wm_pkt_meta m;
	const u_char *d;
	uint64_t n = 0;
	int rc;

	while ((rc = pcap_next_ex(p, &h, &d)) == 1) {
		uint8_t *copy;

		copy = malloc(h->caplen > 0 ? h->caplen : 1);
		FUZZ_CHECK(copy != NULL, "malloc %u", h->caplen);
		memcpy(copy, d, h->caplen);
		wm_pkt_parse(copy, h->caplen, &m);
		free(copy);
		n++;
	}
	FUZZ_CHECK(rc == PCAP_ERROR_BREAK || rc == PCAP_ERROR, "pcap_next_ex ended with %d", rc);
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t counted, replayed;
	FILE *fp;
	pcap_t *p;

	p = open_bytes(data, size, &fp);
	if (p == NULL)
		return 0;
	counted = count_packets(p);
	pcap_close(p);
	p = open_bytes(data, size, &fp);
	FUZZ_CHECK(p != NULL, "opened once, refused the second time");
	replayed = replay(p);
	pcap_close(p);
	FUZZ_CHECK(counted == replayed, "%" PRIu64 " packets counted, %" PRIu64 " replayed",
		   counted, replayed);
	return 0;
}
