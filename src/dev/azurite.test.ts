import { describe, expect, it } from 'vitest';
import { AZURITE_CONNECTION_STRING } from '../core/config.js';
import { azuriteArgs, localAzuriteEndpoints } from './azurite.js';

describe('localAzuriteEndpoints', () => {
  it('reads the blob and table ports of the development account', () => {
    expect(localAzuriteEndpoints(AZURITE_CONNECTION_STRING)).toEqual({ blobHost: '127.0.0.1', blobPort: 10000, tableHost: '127.0.0.1', tablePort: 10002 });
    expect(localAzuriteEndpoints('UseDevelopmentStorage=true')).toMatchObject({ blobPort: 10000, tablePort: 10002 });
  });

  it('follows other ports, and binds 127.0.0.1 for localhost', () => {
    const moved = AZURITE_CONNECTION_STRING.replace('127.0.0.1:10000', 'localhost:20000').replace('127.0.0.1:10002', 'localhost:20002');
    expect(localAzuriteEndpoints(moved)).toEqual({ blobHost: '127.0.0.1', blobPort: 20000, tableHost: '127.0.0.1', tablePort: 20002 });
  });

  it('is undefined for a real Azure account: nothing to start', () => {
    expect(localAzuriteEndpoints('DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=a2V5;EndpointSuffix=core.windows.net')).toBeUndefined();
  });
});

describe('azuriteArgs', () => {
  const endpoints = { blobHost: '127.0.0.1', blobPort: 1, tableHost: '127.0.0.1', tablePort: 2 };

  it('keeps data in the folder given, or in memory (never both: Azurite refuses that)', () => {
    const onDisk = azuriteArgs(endpoints, '/data', 3);
    expect(onDisk).toContain('--location');
    expect(onDisk).not.toContain('--inMemoryPersistence');
    const inMemory = azuriteArgs(endpoints, undefined, 3);
    expect(inMemory).toContain('--inMemoryPersistence');
    expect(inMemory).not.toContain('--location');
  });

  it('disables telemetry and takes the ports it was given', () => {
    const args = azuriteArgs(endpoints, undefined, 3);
    expect(args).toContain('--disableTelemetry');
    expect(args.slice(args.indexOf('--queuePort'), args.indexOf('--queuePort') + 2)).toEqual(['--queuePort', '3']);
    expect(args.slice(args.indexOf('--blobPort'), args.indexOf('--blobPort') + 2)).toEqual(['--blobPort', '1']);
    expect(args.slice(args.indexOf('--tablePort'), args.indexOf('--tablePort') + 2)).toEqual(['--tablePort', '2']);
    expect(args[0]).toMatch(/azurite[\\/]dist[\\/]src[\\/]azurite\.js$/);
  });
});
