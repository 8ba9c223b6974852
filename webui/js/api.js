// The console's only way to the server: fetch() against /api/v1 (docs/console-api.md).
//
// The session cookie is HttpOnly, so the UI never sees it; the CSRF token comes
// from POST /login and GET /session and goes out as X-CSRF-Token on every
// state-changing request. A 401 on any call but login means the session is gone:
// listeners of "moat:unauthorized" (the app shell) show the login form.
// Errors are thrown as ApiError carrying the server's {"error"} text.

const BASE = "/api/v1";
let csrfToken = "";

export class ApiError extends Error {
  constructor(status, message, secondFactor = false) {
    super(message);
    this.status = status;
    this.secondFactor = secondFactor;  // a 401 of a right password that needs its code
  }
}

export function setCsrf(token) {
  csrfToken = token || "";
}

function query(params) {
  const parts = [];
  for (const [k, v] of Object.entries(params || {})) {
    if (v === undefined || v === null || v === "") continue;
    parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(v)}`);
  }
  return parts.length ? `?${parts.join("&")}` : "";
}

// body: sent as JSON; file: a File or Blob sent as it is (a backup to restore).
export async function request(method, path, { body, file, params, quiet401 = false } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (file !== undefined) headers["Content-Type"] = "application/octet-stream";
  if (method !== "GET" && method !== "HEAD" && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  let response;
  try {
    response = await fetch(BASE + path + query(params), {
      method,
      headers,
      body: file !== undefined ? file : body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store",
    });
  } catch (e) {
    throw new ApiError(0, "The console server cannot be reached.");
  }
  let data = null;
  const text = await response.text();
  if (text) {
    try {
      data = JSON.parse(text);
    } catch (e) {
      data = null;
    }
  }
  if (!response.ok) {
    const message = (data && typeof data.error === "string" && data.error) ||
      `${response.status} ${response.statusText || "error"}`;
    if (response.status === 401 && !quiet401) {
      window.dispatchEvent(new CustomEvent("moat:unauthorized", { detail: message }));
    }
    throw new ApiError(response.status, message, Boolean(data && data.second_factor === true));
  }
  return data;
}

export const api = {
  get: (path, params, options) => request("GET", path, { params, ...options }),
  post: (path, body) => request("POST", path, { body: body === undefined ? {} : body }),
  put: (path, body) => request("PUT", path, { body }),
  del: (path, body) => request("DELETE", path, { body }),
  postFile: (path, file, params) => request("POST", path, { file, params }),
};

export function apiUrl(path) {
  return BASE + path;
}
