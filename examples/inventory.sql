-- The Inventory Tracking example of the Laminar Redis connector documentation ("Examples"), run
-- by `npm start` (laminar-redis examples) or `laminar-redis run examples/inventory.sql`.
--
-- Not in that documentation: the stock movements it reads, declared here as a generated source
-- (500 SKUs in six warehouses; docs/pipelines.md lists the generator options). Everything after
-- this declaration is the documented example, unchanged: one hash per warehouse, one field per
-- SKU holding the running sum of its changes and the time of the latest one.
CREATE TABLE inventory_events (
    product_sku TEXT,
    warehouse_code TEXT,
    quantity_change INTEGER,
    event_time TIMESTAMP
) WITH (
    connector = 'generator',
    partitions = '2',
    rows_per_partition = '100000',
    'fields.product_sku.cardinality' = '500',
    'fields.warehouse_code.values' = 'AMS,BER,LIS,NYC,SFO,TYO',
    'fields.quantity_change.min' = '-20',
    'fields.quantity_change.max' = '50',
    'fields.event_time.kind' = 'random',
    'fields.event_time.min' = '2024-03-01T00:00:00Z',
    'fields.event_time.max' = '2024-03-31T23:59:59Z'
);

-- Hash table for multi-warehouse inventory
CREATE TABLE inventory_updates (
    sku TEXT,
    warehouse TEXT,
    quantity INTEGER,
    updated_at TIMESTAMP
) WITH (
    connector = 'redis',
    address = 'redis://inventory:6379',
    type = 'sink',
    'sink.type' = 'hash',
    'sink.hash_key_prefix' = 'stock:',
    'sink.hash_key_column' = 'warehouse',
    'sink.hash_field_column' = 'sku'
);

-- Process inventory changes
INSERT INTO inventory_updates
SELECT 
    product_sku as sku,
    warehouse_code as warehouse,
    SUM(quantity_change) as quantity,
    MAX(event_time) as updated_at
FROM inventory_events
GROUP BY product_sku, warehouse_code;
