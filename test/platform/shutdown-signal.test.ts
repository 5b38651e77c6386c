import { ShutdownSignal } from '../../src/platform/shutdown-signal.js';

describe('ShutdownSignal', () => {
  it('tells each listener still listening once, and stays begun', () => {
    const signal = new ShutdownSignal();
    const heard: string[] = [];
    signal.onBegin(() => heard.push('stream 1'));
    const forget = signal.onBegin(() => heard.push('stream 2'));
    forget();
    expect(signal.begun).toBe(false);
    signal.begin();
    signal.begin();
    expect(heard).toEqual(['stream 1']);
    expect(signal.begun).toBe(true);
  });
});
