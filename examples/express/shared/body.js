// What the seed-003 Express samples assume about the request body, so their text runs as written:
// - `await body.json()`: a free variable `body` whose `json()` is the current request's JSON body;
// - `await req.body.json()`: the parsed body (which `const { role, userId } = req.body` destructures)
//   also answers `json()`.
// `jsonBody()` is the body parser that provides both (express.json(), then the two conveniences).
import { AsyncLocalStorage } from 'node:async_hooks';
import express from 'express';

const current = new AsyncLocalStorage();

export const body = {
  async json() {
    return current.getStore() ?? {};
  },
};

export function jsonBody() {
  const parse = express.json();
  return (req, res, next) => {
    parse(req, res, (err) => {
      if (err) return next(err);
      const parsed = req.body && typeof req.body === 'object' ? req.body : {};
      Object.defineProperty(parsed, 'json', { value: async () => parsed, enumerable: false });
      req.body = parsed;
      current.run(parsed, next);
    });
  };
}
