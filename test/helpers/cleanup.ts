/** Removes what a namespace created on the real RabbitMQ and Azurite, for tests that do not use TestSystem. */
import amqp from 'amqplib';
import { deleteTopology } from '../../src/broker/topology.js';
import { namesFor } from '../../src/contracts/names.js';
import { openStorage } from '../../src/storage/baton-storage.js';
import { AMQP_URL } from './system.js';

export async function deleteNamespaceQueues(namespace: string): Promise<void> {
  const names = namesFor(namespace);
  const connection = await amqp.connect(AMQP_URL);
  try {
    const channel = await connection.createChannel();
    await deleteTopology(channel, names).catch(() => undefined);
  } finally {
    await connection.close().catch(() => undefined);
  }
}

export async function deleteNamespaceStorage(namespace: string, connectionString: string): Promise<void> {
  const names = namesFor(namespace);
  const storage = openStorage(connectionString, names);
  await storage.close();
  await storage.clients.blobService.getContainerClient(names.locksContainer).deleteIfExists().catch(() => undefined);
  for (const table of [names.auditTable, names.recentTable, names.tenantsTable, names.fleetTable, names.idempotencyTable, names.stateIndexTable, names.schedulesTable]) await storage.clients.table(table).deleteTable().catch(() => undefined);
}
