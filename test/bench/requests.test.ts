import { TaskDealer, exchangeBody } from '../../bench/floor/requests.js';

describe("the floor bench's request builders", () => {
  it('deal tasks to the agents in turn, each task with an id of its own', () => {
    const dealer = new TaskDealer(['svid-a', 'svid-b', 'svid-c'], 'run1');
    const dealt = Array.from({ length: 4 }, () => dealer.next());
    expect(dealt.map((t) => t.svid)).toEqual(['svid-a', 'svid-b', 'svid-c', 'svid-a']);
    expect(new Set(dealt.map((t) => t.taskId)).size).toBe(4);
  });

  it('never repeat an intent within a task, which the repetition rule would count', () => {
    const intents = Array.from({ length: 10 }, (_, n) => {
      const form = new URLSearchParams(exchangeBody({ svid: 's', taskId: 'T', n }));
      return `${form.get('scope')} ${form.get('intent')}`;
    });
    expect(new Set(intents).size).toBe(10);
  });
});
