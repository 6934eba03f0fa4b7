// When a healed cut lets a distribution connection's held bytes through: TCP (Linux, under
// OTP's inet_tcp_dist) sends the oldest unacknowledged segment again when its
// retransmission timer (RTO) expires, and backs the timer off, doubling it, at each
// expiry that goes unanswered. During a cut every retransmission is lost, so what was
// held crosses at the first retransmission after the heal, not at the heal; what is sent
// after the heal waits behind it (a TCP stream delivers in order).
//
// Measured on OTP 25.2.3 over a delay line, a message every 50 ms
// (docs/real-library/net/results/c_heal_before_timeout.json): a 2 s cut at no added
// latency, three runs: the first message held went 3,152.7 / 3,158.8 / 3,166.7 ms after
// it was sent, 15 RTOs of 210.2 / 210.6 / 211.1 ms (at 1, 3, 7 and 15 RTOs: the fourth
// expiry), arriving 1,109-1,156 ms after the heal. Linux's RTO is the smoothed round trip
// plus its variance term, at least `tcp_rto_min` (200 ms); zensim takes the loopback
// figure plus the round trip (`rtoUs`). At 50 ms one way, two 3 s cuts: 232 and 2,699 ms
// after the heal (RTOs of ~470 and ~380 ms, the variance term grown with the delay
// line's jitter): zensim's 310 ms falls between, at ~1.6 s.
// Simplification (README, "Model and its limits"): one RTO per connection from the
// configured latency (no smoothed estimate of measured round trips); the timer's cap
// (TCP_RTO_MAX, 120 s) is beyond any tick timeout, and the tick timeout ends the wait.

/** TCP_RTO_MAX: the longest a retransmission timer backs off to, µs. */
const RTO_MAX_US = 120_000_000;

/** The retransmission timeout of a connection whose one-way latency is `latencyUs`: the loopback RTO (`baseUs`) plus the round trip, µs. */
export function rtoUs(baseUs: number, latencyUs: number): number {
  return baseUs + 2 * latencyUs;
}

/**
 * When the oldest unacknowledged segment, first sent at `sentUs`, is sent again at or
 * after `healUs`: its timer expires `rto` after the send, then after each doubling
 * (capped at TCP_RTO_MAX), µs.
 */
export function retransmitAtUs(sentUs: number, rto: number, healUs: number): number {
  let wait = Math.min(rto, RTO_MAX_US);
  let at = sentUs + wait;
  while (at < healUs) {
    wait = Math.min(2 * wait, RTO_MAX_US);
    at += wait;
  }
  return Math.ceil(at);
}

/**
 * The first distribution tick the sender wrote into a cut that began at `cutUs`, before
 * `beforeUs`, or undefined: ticks fall at `phaseUs` + n × `tickUs`, and one is sent only
 * when the sender wrote nothing in the tick interval before it (dist_util's send_tick),
 * its last write having been at `lastWriteUs`. A tick is data: it too waits for an
 * acknowledgement, and starts the retransmission timer.
 */
export function firstTickInCutUs(cutUs: number, lastWriteUs: number, phaseUs: number, tickUs: number, beforeUs: number): number | undefined {
  const from = Math.max(cutUs, lastWriteUs + tickUs);
  const t = phaseUs + Math.ceil((from - phaseUs) / tickUs) * tickUs;
  return t < beforeUs ? t : undefined;
}
