// The cost model: CPU microseconds per handled message and per operation, and bytes
// per process, monitor and table row. Every number lives here, under one name, with
// where it comes from; a scenario or `--set cost.<name>=<value>` overrides any of them.
// Values marked "calibrated" are fitted to shared/fixtures/calibration (see README,
// "Model and its limits"); the rest are ERTS estimates from shared/spec/beam.md.

export type CostModel = {
  /** CPU to take one message off a mailbox and enter its handler (receive + dispatch). */
  receiveUs: number;
  /** CPU of one local send (copy into the receiver's heap), per message. */
  sendLocalUs: number;
  /** CPU of one distributed send (encode + enqueue on the connection), per message. */
  sendRemoteUs: number;
  /** CPU to encode/copy one byte of a message (local copy or distribution encoding). */
  perByteUs: number;
  /** CPU of one ETS operation (insert, take, lookup, delete). */
  etsOpUs: number;
  /** CPU to set up or remove one ERTS monitor. */
  monitorUs: number;
  /** CPU spent by ERTS per monitor it fires when a connection goes down. */
  connLossPerMonitorUs: number;
  /** CPU per element when a ZenMonitor component walks a batch (sweep, dispatch, fire). */
  batchItemUs: number;
  /** Bytes of an idle process: PCB plus its initial 233-word heap and stack (beam.md). */
  processBytes: number;
  /** Bytes of one local monitor (beam.md: about 130). */
  localMonitorBytes: number;
  /** Bytes of one remote monitor on each side (beam.md: 200-250). */
  remoteMonitorBytes: number;
  /** Bytes of one ETS row beyond its key/value terms (ETS per-object overhead). */
  etsRowBytes: number;
};

export const defaultCostModel: Readonly<CostModel> = Object.freeze({
  receiveUs: 1.0,
  sendLocalUs: 0.4,
  sendRemoteUs: 3.3,
  perByteUs: 0.0005,
  etsOpUs: 0.3,
  monitorUs: 0.4,
  connLossPerMonitorUs: 0.5,
  batchItemUs: 0.75,
  processBytes: 2704,
  localMonitorBytes: 130,
  remoteMonitorBytes: 224,
  etsRowBytes: 80,
});

/** Validates and sets one cost value; throws naming the key and value when invalid. */
export function setCost(model: CostModel, key: string, value: unknown): void {
  if (!Object.hasOwn(defaultCostModel, key)) {
    throw new Error(`unknown cost model key '${key}' (known: ${Object.keys(defaultCostModel).join(', ')})`);
  }
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new Error(`cost.${key} must be a finite number >= 0, got ${String(value)}`);
  }
  model[key as keyof CostModel] = value;
}
