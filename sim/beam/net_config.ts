// The distribution's settings (`--set net.*`): what each means, its default, the range
// each takes, and the handshake's round trips that setting a connection up costs on top of
// `setupUs`. The network (network.ts) runs on them.
import { describeValue } from '../../core/config.js';

export type AutoConnect = 'always' | 'once' | 'never';

export type NetConfig = {
  /** One-way latency of a message, µs. */
  latencyUs: number;
  /** Extra latency drawn uniformly in [0, jitterUs) per message (FIFO is kept). */
  jitterUs: number;
  /** Link bandwidth per direction, bytes per second. */
  bandwidthBytesPerS: number;
  /** kernel net_ticktime, seconds (default 60): a peer silent for this long is down. */
  netTicktimeS: number;
  /**
   * Time for a crashed node's OS to reset its connections and the peer's to take the reset
   * in, µs: the reset itself then crosses the link (one-way latency) before the peer notices.
   */
  resetDelayUs: number;
  /**
   * The handshake's own time when the peer answers, µs: its HANDSHAKE_ROUND_TRIPS round
   * trips over the link come on top.
   */
  setupUs: number;
  /** kernel net_setuptime, ms: how long a handshake waits for a silent peer (default 7000). */
  netSetuptimeMs: number;
  /** +zdbbl: a direction whose output queue exceeds this suspends its senders (1 MiB). */
  distBufBusyLimitBytes: number;
  /**
   * TCP's retransmission timeout on a connection at no latency, µs: a heal lets through
   * what was written into the cut at the first retransmission after it (the timer doubles
   * at each expiry; tcp_retransmit.ts); the round trip comes on top.
   */
  tcpRtoUs: number;
  /** kernel dist_auto_connect. */
  autoConnect: AutoConnect;
  /** global's prevent_overlapping_partitions (default true since OTP 25). */
  preventOverlappingPartitions: boolean;
};

export const defaultNetConfig: Readonly<NetConfig> = Object.freeze({
  latencyUs: 50,
  jitterUs: 10,
  bandwidthBytesPerS: 1_000_000_000,
  netTicktimeS: 60,
  // Calibrated: SIGKILL of a node holding 100,000 processes was seen by its peer after
  // 31-90 ms (median of the nine R3/R4 runs: 36 ms), over loopback: 36 ms less the reset's
  // trip at the default latency.
  resetDelayUs: 35_950,
  // With the handshake's round trips at the default latency (12 × 50 µs), 1 ms in all.
  setupUs: 400,
  netSetuptimeMs: 7_000,
  distBufBusyLimitBytes: 1024 * 1024,
  // Measured, OTP 25.2.3 on Linux over loopback: the first message held by a 2 s cut went
  // again 15 RTOs after it was sent, RTOs of 210.2-211.1 ms (tcp_rto_min 200 ms and the
  // timer's granularity; docs/real-library/net/results/c_heal_before_timeout.json).
  tcpRtoUs: 210_500,
  autoConnect: 'always' as AutoConnect,
  preventOverlappingPartitions: true,
});

/**
 * The round trips of setting up a distribution connection to a live peer (OTP 25,
 * `inet_tcp_dist`): the port lookup at the peer host's EPMD (a TCP connect, then
 * PORT_PLEASE2 and its answer), the distribution socket's TCP connect, send_name and the
 * status it gets back, the challenge one round trip after the status (SETUP_TIMER_ROUND_TRIPS
 * below), and the challenge reply and its ack. Both sides count as up when the last comes
 * in (the accepting side is up half a round trip sooner: not modelled). Measured on OTP
 * 25.2.3 over a delay line, one-way latency 10 / 50 / 200 ms: connect_node returned after
 * 131 / 682 / 2,490 ms (six round trips: 120 / 600 / 2,400; docs/real-library/net/results/a_setup.json).
 */
export const HANDSHAKE_ROUND_TRIPS = 6;

/**
 * The round trips after which a reachable host whose node is not running refuses a
 * connection: the port lookup at its EPMD (erl_epmd's get_port: the TCP connect, then
 * PORT_PLEASE2 and its answer, an error for a name not registered), the first two of
 * HANDSHAKE_ROUND_TRIPS.
 */
export const EPMD_ROUND_TRIPS = 2;

/**
 * The most round trips a live peer's handshake spends under one arming of OTP's set-up
 * timer (`net_setuptime`, which `inet_tcp_dist`/`dist_util` start before the EPMD lookup and
 * reset after it and after sending the challenge reply): the distribution socket's TCP
 * connect, send_name and its status, and the challenge, which comes one round trip after
 * the status (the accepting side writes the two back to back on a socket without
 * `nodelay` until the connection is up: Nagle holds the second until the first is acked).
 * Measured on OTP 25.2.3 over a delay line (docs/real-library/net/results/d_setuptime.json):
 * 1000 ms one way connected in 12.05 s, 1300 ms failed 12.21 s after the call (the EPMD
 * lookup's 5.2 s, then net_setuptime's 7 s).
 */
export const SETUP_TIMER_ROUND_TRIPS = 3;

/** How long a live peer's handshake takes at one-way latency `latencyUs`: `setupUs` and HANDSHAKE_ROUND_TRIPS round trips, µs. */
export function handshakeUs(c: NetConfig, latencyUs: number): number {
  return c.setupUs + HANDSHAKE_ROUND_TRIPS * 2 * latencyUs;
}

/**
 * How a set-up ends (`ok`: the connection is up) and after how long, µs: a live peer
 * (`reachable`: running and no cut either way) completes the handshake; a dead runtime on
 * a host that `answers` is refused by that host's EPMD (EPMD_ROUND_TRIPS); a silent peer
 * makes the handshake wait net_setuptime. FIX (test/sim/beam/network.test.ts "monitor_node:
 * at once (after a failed set-up) when the node cannot be reached"): the refusal took one
 * round trip, where the EPMD lookup that gives it takes two (as HANDSHAKE_ROUND_TRIPS
 * counts it). OTP's set-up timer (net_setuptime) runs through the EPMD lookup, then again
 * through each later stage: a live peer whose answers take longer than that fails as a
 * silent one does (SETUP_TIMER_ROUND_TRIPS), and so does a lookup that takes longer itself.
 */
export function setupOutcome(c: NetConfig, latencyUs: number, reachable: boolean, answers: boolean): { ok: boolean; delayUs: number } {
  const setuptimeUs = c.netSetuptimeMs * 1000;
  const roundTripUs = 2 * latencyUs;
  const epmdUs = EPMD_ROUND_TRIPS * roundTripUs;
  const ok = reachable && epmdUs <= setuptimeUs && SETUP_TIMER_ROUND_TRIPS * roundTripUs <= setuptimeUs;
  const delayUs = ok ? handshakeUs(c, latencyUs) : !answers || epmdUs > setuptimeUs ? setuptimeUs : reachable ? epmdUs + setuptimeUs : epmdUs;
  return { ok, delayUs };
}

const DURATION = "durations stop at erlang:send_after's 2^32 - 1 ms";
/** Each numeric network setting's range, and why it stops there: a duration may not pass send_after's limit, nor a rate make one. */
const NET_RANGES: { readonly [K in keyof NetConfig]?: { readonly min: number; readonly open: boolean; readonly max: number; readonly unit: string; readonly why: string } } = {
  latencyUs: { min: 0, open: false, max: 4_294_967_295_000, unit: 'µs', why: DURATION },
  jitterUs: { min: 0, open: false, max: 4_294_967_295_000, unit: 'µs', why: DURATION },
  resetDelayUs: { min: 0, open: false, max: 4_294_967_295_000, unit: 'µs', why: DURATION },
  setupUs: { min: 0, open: false, max: 4_294_967_295_000, unit: 'µs', why: DURATION },
  netSetuptimeMs: { min: 0, open: true, max: 4_294_967_295, unit: 'ms', why: DURATION },
  netTicktimeS: { min: 0, open: true, max: 4_294_967, unit: 's', why: DURATION },
  bandwidthBytesPerS: { min: 1000, open: false, max: 1e15, unit: 'bytes/s', why: 'a link of 1000 bytes/s already takes ~70 ms per DOWN; beyond 1e15 the wire time of any message is under the clock\'s µs' },
  tcpRtoUs: { min: 0, open: true, max: 4_294_967_295_000, unit: 'µs', why: DURATION },
  distBufBusyLimitBytes: { min: 0, open: true, max: 1e15, unit: 'bytes', why: 'a buffer of more than 1e15 bytes is no limit' },
};

/** A network setting's accepted range, as errors and help texts say it. */
export function netRangeText(key: keyof NetConfig): string | undefined {
  const r = NET_RANGES[key];
  if (r === undefined) return undefined;
  return `a number ${r.open ? `> ${r.min}` : `>= ${r.min}`} and <= ${r.max} ${r.unit}`;
}

/** Checks every value; throws naming the parameter, its range and why, and the bad value. */
export function validateNetConfig(c: NetConfig): NetConfig {
  for (const [key, r] of Object.entries(NET_RANGES) as [keyof NetConfig, NonNullable<(typeof NET_RANGES)[keyof NetConfig]>][]) {
    const v = c[key] as unknown;
    const ok = typeof v === 'number' && Number.isFinite(v) && (r.open ? v > r.min : v >= r.min) && v <= r.max;
    if (!ok) throw new RangeError(`network.${key} must be ${netRangeText(key) as string} (${r.why}), got ${describeValue(v)}`);
  }
  if (!['always', 'once', 'never'].includes(c.autoConnect)) {
    throw new RangeError(`network.autoConnect must be always, once or never, got ${describeValue(c.autoConnect)}`);
  }
  if (typeof c.preventOverlappingPartitions !== 'boolean') {
    throw new RangeError(`network.preventOverlappingPartitions must be true or false, got ${describeValue(c.preventOverlappingPartitions)}`);
  }
  return c;
}
