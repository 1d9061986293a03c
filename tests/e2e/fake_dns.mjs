// A tiny DNS server on a loopback UDP port for tests: answers A queries for the names it is
// given with their current address lists, and every other query with NOERROR and no answer.
// gRPC's c-ares resolver reaches it through a target such as
// dns://127.0.0.1:<port>/routers.test:50051, so a test can add and remove "pods".
import dgram from 'node:dgram';

const TYPE_A = 1;

// The query's question section: its name (lower case), type and where it ends.
function parseQuestion(msg) {
  let offset = 12;
  const labels = [];
  while (offset < msg.length && msg[offset] !== 0) {
    const len = msg[offset];
    labels.push(msg.subarray(offset + 1, offset + 1 + len).toString('latin1'));
    offset += 1 + len;
  }
  offset += 1;
  return { name: labels.join('.').toLowerCase(), type: msg.readUInt16BE(offset), end: offset + 4 };
}

function answer(msg, addresses) {
  const { type, end } = parseQuestion(msg);
  const records = type === TYPE_A ? addresses : [];
  const header = Buffer.alloc(12);
  msg.copy(header, 0, 0, 2);                                   // id
  header.writeUInt16BE(0x8180 | (msg.readUInt16BE(2) & 0x0100), 2);  // response, RD echoed, RA
  header.writeUInt16BE(1, 4);                                  // one question
  header.writeUInt16BE(records.length, 6);
  const answers = records.map((ip) => {
    const rr = Buffer.alloc(16);
    rr.writeUInt16BE(0xc00c, 0);                               // the name: the question's
    rr.writeUInt16BE(TYPE_A, 2);
    rr.writeUInt16BE(1, 4);                                    // class IN
    rr.writeUInt32BE(1, 6);                                    // TTL 1 s
    rr.writeUInt16BE(4, 10);
    ip.split('.').forEach((b, i) => rr.writeUInt8(Number(b), 12 + i));
    return rr;
  });
  return Buffer.concat([header, msg.subarray(12, end), ...answers]);
}

// Returns {port, set(name, addresses), queries(name), stop()}.
export async function startFakeDns() {
  const socket = dgram.createSocket('udp4');
  const zone = new Map();
  const counts = new Map();
  socket.on('message', (msg, peer) => {
    if (msg.length < 17) return;
    const { name, type } = parseQuestion(msg);
    if (type === TYPE_A) counts.set(name, (counts.get(name) ?? 0) + 1);
    socket.send(answer(msg, zone.get(name) ?? []), peer.port, peer.address);
  });
  await new Promise((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    port: socket.address().port,
    set: (name, addresses) => zone.set(name.toLowerCase(), addresses),
    queries: (name) => counts.get(name.toLowerCase()) ?? 0,
    stop: () => new Promise((resolve) => socket.close(resolve)),
  };
}
