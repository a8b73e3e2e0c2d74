// Installs and builds when needed, for commands (benchmarks) that run the built packages.
import { build, ensureInstalled } from './ensure-installed.mjs';

ensureInstalled();
build();
