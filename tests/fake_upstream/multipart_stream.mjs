// A multipart/form-data body parsed as it arrives, never held whole: each part is counted and
// hashed (sha256) chunk by chunk; only a small part's bytes are kept (`data`, up to
// `keepBytes`) and a small field's text (`value`). The fake provider uses it so that a 200 MB
// upload costs it no more memory than a 5 KB one.
import { createHash } from 'node:crypto';

const kMaxHeaderBytes = 16 * 1024;

// The boundary of a multipart/form-data Content-Type; null when there is none.
export function multipartBoundary(contentType) {
  if (!/^\s*multipart\/form-data\b/i.test(contentType ?? '')) return null;
  return /boundary="?([^";]+)"?/i.exec(contentType)?.[1] ?? null;
}

function newPart(headers, keepBytes) {
  return { name: /[; ]name="([^"]*)"/.exec(headers)?.[1],
           filename: /filename="([^"]*)"/.exec(headers)?.[1],
           type: /content-type:\s*([^\r\n]*)/i.exec(headers)?.[1],
           bytes: 0, hash: createHash('sha256'), kept: [], keepBytes };
}

function addToPart(part, data) {
  if (!data.length) return;
  part.bytes += data.length;
  part.hash.update(data);
  if (part.kept && part.bytes <= part.keepBytes) part.kept.push(Buffer.from(data));
  else part.kept = null;
}

// The finished part as handlers and recorded requests see it.
function finishPart(part) {
  const data = part.kept ? Buffer.concat(part.kept) : null;
  return { name: part.name, filename: part.filename, type: part.type, bytes: part.bytes,
           sha256: part.hash.digest('hex'), data };
}

export class MultipartStream {
  // `contentType` is the request's header; `keepBytes` bounds the bytes kept per part.
  constructor(contentType, { keepBytes = 1 << 20 } = {}) {
    const boundary = multipartBoundary(contentType);
    this.error = boundary ? null : 'no multipart boundary';
    this.first = Buffer.from(`--${boundary}`);
    this.inner = Buffer.from(`\r\n--${boundary}`);
    this.keepBytes = keepBytes;
    this.state = 'preamble';
    this.carry = Buffer.alloc(0);
    this.part = null;
    this.parts = [];
  }

  // Feeds the next bytes of the body.
  push(chunk) {
    if (this.error || this.state === 'done') return;
    const buf = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    let pos = 0;
    // Steps while one advances or changes state; a step that does neither needs more bytes.
    for (;;) {
      const state = this.state;
      const advanced = this.step(buf, pos);
      const moved = advanced !== pos || state !== this.state;
      pos = advanced;
      if (!moved || this.error || this.state === 'done') break;
    }
    // Only a delimiter's length stays behind: a copy, so the chunk itself is not retained.
    this.carry = Buffer.from(buf.subarray(pos));
  }

  // One state's work on buf from pos; returns the new position (pos when it needs more bytes).
  step(buf, pos) {
    switch (this.state) {
      case 'preamble': {
        const at = buf.indexOf(this.first, pos);
        if (at < 0) return Math.max(pos, buf.length - this.first.length + 1);
        this.state = 'delimiter';
        return at + this.first.length;
      }
      case 'delimiter': {
        if (buf.length - pos < 2) return pos;
        const two = buf.toString('latin1', pos, pos + 2);
        if (two === '--') { this.state = 'done'; return buf.length; }
        if (two !== '\r\n') { this.error = 'no CRLF after a delimiter'; return pos; }
        this.state = 'headers';
        return pos;  // the CRLF starts the header block
      }
      case 'headers': {
        const end = buf.indexOf('\r\n\r\n', pos);
        if (end < 0) {
          if (buf.length - pos > kMaxHeaderBytes) this.error = 'part headers too long';
          return pos;
        }
        this.part = newPart(buf.toString('utf8', pos + 2, end), this.keepBytes);
        this.state = 'body';
        return end + 4;
      }
      case 'body': {
        const at = buf.indexOf(this.inner, pos);
        if (at < 0) {
          const safe = Math.max(pos, buf.length - this.inner.length + 1);
          addToPart(this.part, buf.subarray(pos, safe));
          return safe;
        }
        addToPart(this.part, buf.subarray(pos, at));
        this.parts.push(finishPart(this.part));
        this.part = null;
        this.state = 'delimiter';
        return at + this.inner.length;
      }
      default:
        return pos;
    }
  }

  // The body ended: {parts, error}; error when it was malformed or cut before its end.
  end() {
    if (!this.error && this.state !== 'done') this.error = 'the body ended before its closing delimiter';
    return { parts: this.parts, error: this.error };
  }
}

// The parts by name (the last one of a name wins), and the text of each small non-file part.
export function formOf(parts, maxFieldBytes = 64 * 1024) {
  const form = Object.fromEntries(parts.map((p) => [p.name, p]));
  const fields = {};
  for (const p of parts) {
    if (p.filename === undefined && p.data && p.bytes <= maxFieldBytes) fields[p.name] = p.data.toString('utf8');
  }
  return { form, fields };
}
