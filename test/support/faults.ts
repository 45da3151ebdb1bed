import { runInDurableObject } from "cloudflare:test";

/**
 * A D1 binding that fails every call, as D1 does during an outage (fault injection at the binding:
 * the code under test runs unchanged, only what it talks to is down).
 */
export function failingD1(reason = "D1_ERROR: injected outage"): D1Database {
  const fail = () => {
    throw new Error(reason);
  };
  const rejected = () => Promise.reject(new Error(reason));
  return {
    prepare: fail,
    batch: rejected,
    exec: rejected,
    dump: rejected,
    withSession: fail,
  } as unknown as D1Database;
}

type WithEnv = { env: { DB: D1Database } };
const realD1 = new WeakMap<object, D1Database>();

/**
 * Break (or mend) D1 for one live object instance: its env's DB becomes failingD1. An eviction
 * gives the object its real bindings back, so break it after evicting.
 */
export async function breakD1InObject(stub: DurableObjectStub, broken = true): Promise<void> {
  await runInDurableObject(stub, (instance) => {
    const target = instance as unknown as WithEnv;
    if (broken) {
      if (!realD1.has(instance)) realD1.set(instance, target.env.DB);
      target.env = { ...target.env, DB: failingD1() };
    } else {
      const real = realD1.get(instance);
      if (real) target.env = { ...target.env, DB: real };
    }
  });
}
