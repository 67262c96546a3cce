// gateway.client.v1 as the edge defines it in protos/client.proto: copied from the edge's branch
// that adds the binary encodings (not on main when this was written), so the package needs no
// file outside it in a browser. test/unit/protobuf-schema.test.ts compares it with
// protos/client.proto whenever that file is in the repository: keep the two the same.
export const clientProto = `
syntax = "proto3";
package gateway.client.v1;

import "google/protobuf/struct.proto";

// One client frame; 'type' says which, and which fields it takes:
//   auth {token} · join {roomId, since?} · leave {roomId} · message {roomId, content}
//   direct {to, content} · subscribe {channel} · unsubscribe {channel} · ping
//   history {roomId, limit?, before?} · ack {ids}
// 'id' (any type) is the client's correlation id, echoed as 'ref' in replies about this frame; on
// 'message' it is also the room's idempotency key. Unknown fields are ignored, like unknown JSON
// properties.
message ClientFrame {
  optional string type = 1;
  optional string id = 2;
  optional string token = 3;
  optional string room_id = 4;
  optional string to = 5;
  optional string channel = 6;
  google.protobuf.Value content = 7;
  // A resuming join: where the client's copy of the room ends.
  ResumePoint since = 8;
  optional uint64 limit = 9;
  optional uint64 before = 10;
  // An ack's notification ids; none = the field is missing.
  repeated string ids = 11;
}

message ResumePoint {
  optional uint64 seq = 1;
  optional string epoch = 2;
}

// One server frame: every frame the JSON protocol sends, 'type' first there and here. Which fields
// each type sets is the JSON protocol's (README, "The edge"); e.g. 'auth:ok' {userId, connectionId,
// heartbeatIntervalMs?, tokenExpiresAt?}, 'error' {code, message, ref?, retryAfterMs?}, 'joined'
// {roomId, seq?, epoch?, recovered?, missed?, ref?}, 'message' {roomId, from, content, seq},
// 'history' {roomId, messages, seq, epoch, ref?}, 'dismissed' {ids}, a business event {content}.
// Every frame carries 'id' (unique, to de-duplicate on) and 'timestamp' (unix ms).
message ServerFrame {
  optional string type = 1;
  optional string id = 2;
  optional int64 timestamp = 3;
  optional string user_id = 4;
  optional string room_id = 5;
  optional string from = 6;
  optional string channel = 7;
  google.protobuf.Value content = 8;
  repeated string ids = 9;
  optional uint64 seq = 10;
  optional bool ack = 11;
  optional string connection_id = 12;
  optional int64 heartbeat_interval_ms = 13;
  optional int64 token_expires_at = 14;
  optional string reason = 15;
  // pong: the server's clock, unix ms.
  optional int64 ts = 16;
  optional string ref = 17;
  optional string code = 18;
  optional string message = 19;
  optional int64 retry_after_ms = 20;
  optional string epoch = 21;
  optional bool recovered = 22;
  optional int64 missed = 23;
  // history: the room's messages, oldest first, each exactly as its 'message' frame. A history
  // frame with no messages has none here: read it as an empty list.
  repeated ServerFrame messages = 24;
  // Fields of the JSON frame that this schema does not name (or whose value does not fit the type
  // above, e.g. from an older publisher's hand-written frame), so nothing of a frame is lost.
  map<string, google.protobuf.Value> extra = 25;
}
`;
