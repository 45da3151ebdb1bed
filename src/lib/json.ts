/**
 * JSON as it crosses RPC and storage: payloads and metadata are objects of these. Interfaces (not
 * type aliases) keep the recursion lazy, which the runtime's Rpc result types need.
 */
export type JsonValue = string | number | boolean | null | JsonArray | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}
export interface JsonArray extends Array<JsonValue> {}
