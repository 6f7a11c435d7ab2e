// Every application of the real corpus, in recording order.
import type { RealApp } from '../types.js';
import { jsoneditor } from './jsoneditor.js';
import { nodeRed } from './node-red.js';
import { redoc } from './redoc.js';
import { swaggerUi } from './swagger-ui.js';
import { verdaccio } from './verdaccio.js';

export const REAL_APPS: RealApp[] = [swaggerUi, redoc, jsoneditor, nodeRed, verdaccio];
