/** @module htm bound to preact: templates whose interpolations are always text or props, never markup. */
import { h } from 'preact';
import htm from 'htm';

export const html = htm.bind(h);
