/**
 * Reads the `protoc --decode` text dumps in tests/fixtures/chakra/decoded/ (the expected output of a Chakra decoder):
 * `# message N (ChakraProtoMsg.Type, B bytes)` headers, then text-format fields (`key: value`, `key { … }`).
 * Every field becomes an array of values (repeated or not), strings are unescaped, enums stay identifiers.
 */
export type TextValue = string | number | boolean | { enum: string } | TextMessage;
export interface TextMessage { [field: string]: TextValue[] }
export interface DecodedMessage { type: string; bytes: number; fields: TextMessage }

function unescape(s: string): string {
  const bytes: number[] = [];
  const enc = new TextEncoder();
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== '\\') {
      bytes.push(...enc.encode(c));
      continue;
    }
    const n = s[++i]!;
    if (/[0-7]/.test(n)) {
      let oct = n;
      while (oct.length < 3 && /[0-7]/.test(s[i + 1] ?? '')) oct += s[++i];
      bytes.push(parseInt(oct, 8));
    } else {
      const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', "'": "'", '\\': '\\' };
      bytes.push(...enc.encode(map[n] ?? n));
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

export function parseDecoded(text: string): DecodedMessage[] {
  const out: DecodedMessage[] = [];
  const lines = text.split('\n');
  let i = 0;
  const parseBlock = (): TextMessage => {
    const msg: TextMessage = {};
    while (i < lines.length) {
      const line = lines[i]!.trim();
      if (line.startsWith('# message')) break;
      i++;
      if (line === '') continue;
      if (line === '}') return msg;
      let m = /^(\w+) \{$/.exec(line);
      if (m) {
        (msg[m[1]!] ??= []).push(parseBlock());
        continue;
      }
      m = /^(\w+): (.*)$/.exec(line);
      if (!m) throw new Error(`unparsed line: ${line}`);
      const raw = m[2]!;
      let v: TextValue;
      if (raw.startsWith('"')) v = unescape(raw.slice(1, -1));
      else if (raw === 'true' || raw === 'false') v = raw === 'true';
      else if (/^-?\d/.test(raw)) v = Number(raw);
      else v = { enum: raw };
      (msg[m[1]!] ??= []).push(v);
    }
    return msg;
  };
  while (i < lines.length) {
    const h = /^# message \d+ \(ChakraProtoMsg\.(\w+), (\d+) bytes\)$/.exec(lines[i]!.trim());
    i++;
    if (!h) continue;
    out.push({ type: h[1]!, bytes: Number(h[2]), fields: parseBlock() });
  }
  return out;
}
