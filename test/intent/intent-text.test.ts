import { textProblem } from '../../src/intent/intent-text.js';

describe('textProblem: free text shown to approvers and operators', () => {
  it.each([
    ['CR/LF', 'deploy preview\r\nApproved by: security', 'control character (U+000D)'],
    ['LF', 'a\nb', 'control character (U+000A)'],
    ['tab', 'a\tb', 'control character (U+0009)'],
    ['ANSI escape', 'preview-42\u001b[2K\u001b[1Gproduction', 'control character (U+001B)'],
    ['NUL', 'a\u0000', 'control character (U+0000)'],
    ['DEL', 'a\u007f', 'control character (U+007F)'],
    ['C1 NEL', 'a\u0085b', 'control character (U+0085)'],
    ['C1 CSI', 'a\u009b2Kb', 'control character (U+009B)'],
    ['right-to-left override', 'preview\u202E24-noitcudorp', 'formatting character (U+202E)'],
    ['left-to-right embedding', '\u202Aa', 'formatting character (U+202A)'],
    ['isolate', 'a\u2066b\u2069', 'formatting character (U+2066)'],
    ['pop directional isolate', 'a\u2069', 'formatting character (U+2069)'],
    ['right-to-left mark', 'a\u200Fb', 'formatting character (U+200F)'],
    ['left-to-right mark', 'a\u200Eb', 'formatting character (U+200E)'],
    ['Arabic letter mark', 'a\u061Cb', 'formatting character (U+061C)'],
    ['zero-width space', 'prod\u200Buction', 'formatting character (U+200B)'],
    ['line separator', 'a\u2028b', 'formatting character (U+2028)'],
    ['BOM', '\uFEFFa', 'formatting character (U+FEFF)'],
  ])('refuses %s, naming the character', (_name, text, problem) => {
    expect(textProblem(text)).toContain(problem);
  });

  it.each([
    'remove preview env',
    'preview-42',
    'Überprüfung der Gehälter: März',
    'حذف البيئة',
    'プレビュー環境を削除',
    'emoji 🚀 and CJK 測試',
  ])('accepts printable text in any script: %s', (text) => {
    expect(textProblem(text)).toBeNull();
  });
});
