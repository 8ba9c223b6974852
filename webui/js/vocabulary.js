// The fixed words the server defines once (GET /vocabulary): message outcomes
// with their labels, and check results. Fetched once per page load and shared;
// a failed fetch is retried on the next call.

import { api } from "./api.js";

let pending = null;

export function vocabulary() {
  if (!pending) {
    pending = api.get("/vocabulary").catch((e) => {
      pending = null;
      throw e;
    });
  }
  return pending;
}

// [[name, label], ...] of the outcomes that pass `keep` (all by default).
export async function outcomeChoices(keep = () => true) {
  const v = await vocabulary();
  return v.outcomes.filter(keep).map((o) => [o.name, o.label]);
}
