#!/usr/bin/env node
import { main } from '../dist/main.js';

const code = await main(process.argv);
process.exitCode = code;
// Leftover keep-alive sockets or timers must not keep a finished command alive.
setTimeout(() => process.exit(code), 200).unref();
