// SvelteKit: built with adapter-node so that the Ferry server mounts it (build/handler.js) on the API's port.
import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
export default {
  preprocess: vitePreprocess(),
  kit: { adapter: adapter({ out: 'build' }) },
};
