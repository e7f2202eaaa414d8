// SvelteKit: built with adapter-node so that the Ferry server mounts it (build/handler.js) on the API's port.
import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
export default {
  preprocess: vitePreprocess(),
  kit: {
    adapter: adapter({ out: 'build' }),
    // The Content-Security-Policy of every page. `auto`: a nonce on each rendered page's inline
    // bootstrap script (a hash on prerendered ones), so no other inline script runs. Styles allow
    // 'unsafe-inline' because Svelte Flow positions its nodes and edges with style attributes and
    // Svelte's transitions inject <style> elements; with 'unsafe-inline' present SvelteKit adds no
    // hash or nonce to style-src (which would make browsers ignore 'unsafe-inline').
    // frame-ancestors 'none': no other site may frame Ferry (clickjacking).
    csp: {
      mode: 'auto',
      directives: {
        'default-src': ['self'],
        'script-src': ['self'],
        'style-src': ['self', 'unsafe-inline'],
        'img-src': ['self', 'data:'],
        'font-src': ['self'],
        'connect-src': ['self'],
        'object-src': ['none'],
        'base-uri': ['self'],
        'form-action': ['self'],
        'frame-ancestors': ['none'],
      },
    },
  },
};
