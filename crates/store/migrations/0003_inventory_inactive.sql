-- When an inventory item was found inactive (not reported for a while), so that it is
-- reported inactive once; cleared when it is seen again.
ALTER TABLE inventory_items ADD COLUMN inactive_since_ms INTEGER;
CREATE INDEX inventory_items_by_activity ON inventory_items (inactive_since_ms, last_seen_ms);
