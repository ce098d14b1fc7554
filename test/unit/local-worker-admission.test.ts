import { asyncStartAdmission } from '../../local/worker/local-activity-worker';

describe('an asynchronous start of the local worker', () => {
  it('starts while a slot is free and no reserved concurrency is used up', () => {
    expect(asyncStartAdmission({ running: 1, slotCount: 2, handOver: false })).toBe('start');
    expect(asyncStartAdmission({ running: 1, slotCount: 2, reservedConcurrency: 5, handOver: true })).toBe('start');
    expect(asyncStartAdmission({ running: 100, handOver: false })).toBe('start');
  });

  it('skips a wake-up or scheduled run when every slot is in use, as the real run stops at once', () => {
    expect(asyncStartAdmission({ running: 2, slotCount: 2, handOver: false })).toBe('skip');
    expect(asyncStartAdmission({ running: 2, slotCount: 2, reservedConcurrency: 5, handOver: false })).toBe('skip');
  });

  it('keeps a hand-over until its run ends: that run has given its slot back', () => {
    expect(asyncStartAdmission({ running: 2, slotCount: 2, handOver: true })).toBe('wait');
  });

  it('keeps any start that reserved concurrency throttles, as Lambda keeps and retries the event', () => {
    expect(asyncStartAdmission({ running: 1, slotCount: 2, reservedConcurrency: 1, handOver: false })).toBe('wait');
    expect(asyncStartAdmission({ running: 1, reservedConcurrency: 1, handOver: true })).toBe('wait');
  });
});
