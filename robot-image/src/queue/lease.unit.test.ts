import { leaseVerdict, type LeaseFacts, type LeaseVerdict } from './lease.js';

const BUDGET = 30_000;

describe('leaseVerdict', () => {
  it.each<[string, Omit<LeaseFacts, 'outageBudgetMs'>, LeaseVerdict]>([
    ['a beat that reached the database', { beat: 'alive', jobsHeld: 1, msSinceContact: 0 }, { action: 'ok' }],
    ['declared dead while idle', { beat: 'dead', jobsHeld: 0, msSinceContact: 0 }, { action: 'rejoin' }],
    ['declared dead while holding a job', { beat: 'dead', jobsHeld: 1, msSinceContact: 0 }, { action: 'exit', reason: 'declared-dead' }],
    ['a short outage while holding a job', { beat: 'failed', jobsHeld: 2, msSinceContact: 20_000 }, { action: 'wait' }],
    ['an outage at exactly the budget', { beat: 'failed', jobsHeld: 1, msSinceContact: BUDGET }, { action: 'wait' }],
    ['an outage past the budget while holding a job', { beat: 'failed', jobsHeld: 1, msSinceContact: BUDGET + 1 }, { action: 'exit', reason: 'outage-budget-exceeded' }],
    ['an outage past the budget while idle', { beat: 'failed', jobsHeld: 0, msSinceContact: 10 * BUDGET }, { action: 'wait' }],
  ])('%s', (_what, facts, verdict) => {
    expect(leaseVerdict({ ...facts, outageBudgetMs: BUDGET })).toEqual(verdict);
  });
});
