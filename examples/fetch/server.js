import { serve } from '@hono/node-server';
import { createApp } from './app.js';

serve({ fetch: createApp().fetch, port: Number(process.env.PORT || 3000), hostname: '127.0.0.1' }, (info) => {
  console.log(`fetch handlers on @latch/backend: http://127.0.0.1:${info.port}`);
});
