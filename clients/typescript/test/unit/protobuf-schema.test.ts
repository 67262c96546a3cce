import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs';
import { clientProto } from '../../src/codecs/protobuf-schema.js';
import { protobufCodec, type ServerFrame } from '../../src/index.js';
import { repositoryRoot } from '../support/suite.js';

const edgeProto = join(repositoryRoot(), 'protos', 'client.proto');

function messages(source: string): Record<string, unknown> {
  const root = protobuf.Root.fromJSON(protobuf.common.get('google/protobuf/struct.proto') as protobuf.INamespace);
  protobuf.parse(source, root, { keepCase: true });
  const pkg = root.lookup('gateway.client.v1') as protobuf.Namespace;
  return Object.fromEntries(['ClientFrame', 'ServerFrame', 'ResumePoint'].map((name) => [name, (pkg.lookupType(name).toJSON() as { fields: unknown }).fields]));
}

describe('protobuf schema', () => {
  it('is the edge\'s protos/client.proto, field for field', { skip: existsSync(edgeProto) ? false : 'protos/client.proto is not in this repository yet' }, () => {
    assert.deepEqual(messages(clientProto), messages(readFileSync(edgeProto, 'utf8')));
  });

  it('a server frame field the schema does not name travels in extra and comes back in place', () => {
    const frame = { type: 'order_update', content: { orderId: 1 }, region: 'eu', priority: 2, id: 'n1', timestamp: 5 } as unknown as ServerFrame;
    assert.deepEqual(protobufCodec.decodeServer(protobufCodec.encodeServer(frame)), frame);
  });
});
