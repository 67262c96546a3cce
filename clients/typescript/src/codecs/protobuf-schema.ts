// The client's reading of `protos/client.proto` (package gateway.client.v1), written from
// architecture.md before that file reached main: one ClientFrame and one ServerFrame, each a flat
// message whose fields are the JSON frames' fields (snake_case here, the JSON names in camelCase
// as protobufjs and proto3 JSON map them), `content` as google.protobuf.Value. Scalars whose
// absence means something (seq 0 of an empty room, recovered false) are proto3 `optional`.
// CHECK against the edge's protos/client.proto when it is merged: numbers and names must match it.
export const clientProto = `
syntax = "proto3";
package gateway.client.v1;

import "google/protobuf/struct.proto";

message ResumePoint {
  int64 seq = 1;
  string epoch = 2;
}

message ClientFrame {
  string type = 1;
  string id = 2;
  string token = 3;
  string room_id = 4;
  google.protobuf.Value content = 5;
  string to = 6;
  string channel = 7;
  ResumePoint since = 8;
  optional int64 limit = 9;
  optional int64 before = 10;
  repeated string ids = 11;
}

message ServerFrame {
  string type = 1;
  string id = 2;
  int64 timestamp = 3;
  string user_id = 4;
  string room_id = 5;
  string from = 6;
  string channel = 7;
  google.protobuf.Value content = 8;
  optional int64 seq = 9;
  string epoch = 10;
  optional bool recovered = 11;
  optional int64 missed = 12;
  repeated ServerFrame messages = 13;
  repeated string ids = 14;
  optional bool ack = 15;
  string ref = 16;
  string code = 17;
  string message = 18;
  string reason = 19;
  optional int64 retry_after_ms = 20;
  string connection_id = 21;
  optional int64 heartbeat_interval_ms = 22;
  optional int64 token_expires_at = 23;
  optional int64 ts = 24;
}
`;
