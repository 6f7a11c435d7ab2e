import { InFlightJobs } from './in-flight.js';
import { createLifecycle, type ConsumerState } from './lifecycle.js';

type Event = 'drain' | 'passDeadline' | 'fence';

describe('createLifecycle', () => {
  it.each<[string, Event[], ConsumerState, 'shutdown' | 'fenced' | null]>([
    ['nothing happened', [], { phase: 'running' }, null],
    ['stop() was called', ['drain'], { phase: 'draining', deadlinePassed: false }, null],
    ['the stop deadline passed', ['drain', 'passDeadline'], { phase: 'draining', deadlinePassed: true }, 'shutdown'],
    ['a deadline without a stop (ignored)', ['passDeadline'], { phase: 'running' }, null],
    ['the robot was declared dead', ['fence'], { phase: 'fenced' }, 'fenced'],
    ['declared dead while draining', ['drain', 'fence'], { phase: 'fenced' }, 'fenced'],
    ['stopped after it was declared dead', ['fence', 'drain', 'passDeadline'], { phase: 'fenced' }, 'fenced'],
  ])('after %s', (_what, events, state, abortOnStart) => {
    const life = createLifecycle(new InFlightJobs());
    for (const e of events) life[e]();
    expect(life.state).toEqual(state);
    expect(life.abortOnStart()).toBe(abortOnStart);
  });

  it('abandons the handlers running at a transition, each with its reason, and fences once', () => {
    const inFlight = new InFlightJobs();
    const life = createLifecycle(inFlight);
    const early = inFlight.start('a', life.abortOnStart());
    life.drain();
    expect(early.abandoned).toBeNull();
    life.passDeadline();
    expect(early.abandoned).toBe('shutdown');

    const late = inFlight.start('b', life.abortOnStart());
    expect([late.abandoned, late.signal.reason]).toEqual(['shutdown', 'shutdown']);

    const other = new InFlightJobs();
    const fencing = createLifecycle(other);
    const held = other.start('c', fencing.abortOnStart());
    expect(fencing.fence()).toBe(true);
    expect(fencing.fence()).toBe(false);
    expect(held.abandoned).toBe('fenced');
  });
});

describe('InFlightJobs', () => {
  it('counts the running handlers and forgets the ones that ended', () => {
    const inFlight = new InFlightJobs();
    inFlight.start('a', null, 5);
    inFlight.start('b', null);
    expect(inFlight.size).toBe(2);
    expect(inFlight.get('a')?.startedAt).toBe(5);
    inFlight.end('a');
    expect([inFlight.size, inFlight.get('a')]).toEqual([1, undefined]);
    inFlight.abortAll('cancelled');
    expect([...inFlight.values()].map((j) => [j.uid, j.reason, j.abandoned])).toEqual([['b', 'cancelled', null]]);
  });
});
