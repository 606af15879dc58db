#!/usr/bin/env node
// Copies the correlation view's static files (src/ui: HTML, CSS, browser ES modules) into
// dist/ui, beside the compiled routes that serve them. tsc compiles only the TypeScript.
import { cpSync, mkdirSync } from 'node:fs';

const from = new URL('../src/ui/', import.meta.url);
const to = new URL('../dist/ui/', import.meta.url);
mkdirSync(to, { recursive: true });
cpSync(from, to, { recursive: true });
