/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

#ifndef WM_FLOW_KEY_H
#define WM_FLOW_KEY_H

#include <stddef.h>

#include "wm_pkt.h"

/*
 * A flow key as telemetry and the console take it:
 *   SRC:SPORT-DST:DPORT/PROTO[@VLAN[.INNER]]
 * (INNER: the innermost tag of a stack of two or more, dot1qCustomerVlanId)
 * with IPv6 addresses in brackets ("[2001:db8::1]:443"), PROTO a number
 * or tcp, udp, icmp, icmpv6, sctp, gre; either direction finds the flow.
 * Fills the header fields wm_flow_table_lookup() reads; returns 0 or
 * -EINVAL with err naming what is wrong.
 */
int wm_ctl_parse_flow_key(const char *text, struct wm_pkt_meta *m, char *err, size_t errlen);

#endif /* WM_FLOW_KEY_H */
