export { type PushedRun, readPush, storePush } from "./accept.ts";
export { DEFAULT_MAX_UPLOAD_BYTES, type ReceivedBody, receiveBody } from "./receive.ts";
export { PushError, type PushOptions, type PushResult, pushRun, serverBase } from "./upload.ts";
