#!/usr/bin/env node
// The published command: runs the built CLI (kept as a file of its own so installing the
// workspace from source, before any build, can still link the bin).
import '../dist/cli.js'
