// The search form shared by the message log and the archive: text filters
// (substring, case-insensitive on the server), outcome, and a time range.
// Values survive navigation to a detail view and back (kept in `state`).

import { h, field, select } from "./dom.js";
import { datetimeToEpoch } from "./format.js";

export function searchForm({ label, state, outcomes, textFields, onSearch }) {
  const inputs = {};
  for (const [name, text] of textFields) {
    inputs[name] = h("input", { type: "search", name, value: state[name] || "" });
  }
  const outcome = select("outcome", [["", "Any"], ...outcomes], state.outcome || "");
  const from = h("input", { type: "datetime-local", name: "from", value: state.from || "" });
  const to = h("input", { type: "datetime-local", name: "to", value: state.to || "" });
  const submit = h("button", { type: "submit", class: "primary" }, "Search");
  const reset = h("button", { type: "button" }, "Reset");
  const form = h("form", { class: "filters", "aria-label": label },
    textFields.map(([name, text]) => field(text, inputs[name])),
    field("Outcome", outcome), field("From", from), field("To", to),
    h("div", { class: "actions" }, submit, reset));

  const collect = () => {
    for (const [name] of textFields) state[name] = inputs[name].value.trim();
    state.outcome = outcome.value;
    state.from = from.value;
    state.to = to.value;
  };
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    collect();
    onSearch();
  });
  reset.addEventListener("click", () => {
    for (const [name] of textFields) inputs[name].value = "";
    outcome.value = "";
    from.value = "";
    to.value = "";
    collect();
    onSearch();
  });
  return form;
}

// The query parameters for the API from the form state.
export function searchParams(state, textFields) {
  const p = {};
  for (const [name] of textFields) if (state[name]) p[name] = state[name];
  if (state.outcome) p.outcome = state.outcome;
  if (state.from) p.from = datetimeToEpoch(state.from);
  if (state.to) p.to = datetimeToEpoch(state.to);
  return p;
}
