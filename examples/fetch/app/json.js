// Remix's `json()` helper: a JSON Response.
export const json = (data, init = {}) => Response.json(data, typeof init === 'number' ? { status: init } : init);
