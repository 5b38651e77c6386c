import { randomIds } from '../../src/platform/ids.js';

describe('random ids', () => {
  it('are 128-bit base64url grant ids and 96-bit task ids, none repeated across pool refills', () => {
    // 4096 random bytes serve 256 grant ids: 3,000 ids of both kinds span several refills.
    const grants = Array.from({ length: 2000 }, () => randomIds.grantId());
    const tasks = Array.from({ length: 1000 }, () => randomIds.taskId());
    for (const id of grants) expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    for (const id of tasks) expect(id).toMatch(/^tsk_[A-Za-z0-9_-]{16}$/);
    expect(new Set(grants).size).toBe(grants.length);
    expect(new Set(tasks).size).toBe(tasks.length);
    // No byte handed out twice: the ids' bytes never overlap (no id is a shifted copy).
    const bytes = grants.map((id) => Buffer.from(id, 'base64url').toString('hex'));
    const halves = new Set(bytes.flatMap((hex) => [hex.slice(0, 16), hex.slice(16)]));
    expect(halves.size).toBe(bytes.length * 2);
  });
});
