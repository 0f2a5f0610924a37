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
 * Then lib/pcapfile, which decides before a replay how many records each
 * file's queue may deliver, scans the same bytes (a memfd, by its
 * /proc/self/fd path): a queue that reads as the pcap PMD does (it calls
 * pcap_next_ex again after an error) and stops after the scan's reads
 * must get exactly the scan's records, and the scan's figures must hold
 * together. Both halves see every input.
 */

#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "fuzz.h"
#include "wm_pcapfile.h"
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

/* What a queue limited to r->reads reads delivers, reading as the pcap PMD does. */
static uint64_t
delivered_within(const uint8_t *data, size_t size, uint64_t reads)
{
	struct pcap_pkthdr *h;
	const u_char *d;
	uint64_t n = 0, i;
	FILE *fp;
	pcap_t *p = open_bytes(data, size, &fp);
	int rc;

	FUZZ_CHECK(p != NULL, "lib/pcapfile took a file libpcap refuses");
	for (i = 0; i < reads; i++) {
		rc = pcap_next_ex(p, &h, &d);
		if (rc == 1)
			n++;
		else if (rc == PCAP_ERROR_BREAK)
			break;
	}
	pcap_close(p);
	return n;
}

static void
check_scan(const uint8_t *data, size_t size)
{
	struct wm_pcapfile_result r;
	char path[64], text[1024];
	uint64_t not_read = 0;
	unsigned int i;
	int fd, rc;

	fd = memfd_create("fuzz_pcap", MFD_CLOEXEC);
	FUZZ_CHECK(fd >= 0, "memfd_create");
	FUZZ_CHECK(size == 0 || write(fd, data, size) == (ssize_t)size, "write");
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	rc = wm_pcapfile_scan(path, &r);
	close(fd);
	if (rc != 0) {
		FUZZ_CHECK(rc == -EINVAL && r.error[0] != '\0', "scan: %d with no message", rc);
		return;
	}
	FUZZ_CHECK(r.size == size, "size %" PRIu64 " of %zu bytes", r.size, size);
	FUZZ_CHECK(r.stop_offset <= r.size, "stopped at %" PRIu64 " past the end", r.stop_offset);
	FUZZ_CHECK(r.records <= r.reads, "%" PRIu64 " records in %" PRIu64 " reads", r.records,
		   r.reads);
	for (i = 0; i < WM_PCAPFILE_REASON_MAX; i++) {
		FUZZ_CHECK(wm_pcapfile_reason_name(i) != NULL, "reason %u has no name", i);
		if (!wm_pcapfile_reason_delivered(i))
			not_read += r.count[i];
	}
	FUZZ_CHECK(wm_pcapfile_unreadable(&r) == not_read,
		   "unreadable is not the sum of its reasons");
	wm_pcapfile_describe(&r, text, sizeof(text));
	if (r.linktype == DLT_EN10MB)
		FUZZ_CHECK(delivered_within(data, size, r.reads) == r.records,
			   "a queue of %" PRIu64 " reads does not deliver the %" PRIu64
			   " records scanned",
			   r.reads, r.records);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t counted, replayed;
	FILE *fp;
	pcap_t *p;

	check_scan(data, size);
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
