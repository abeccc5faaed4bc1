/**
 * Sets `record[key] = value` as an own property, so a key such as `__proto__` coming from YAML
 * or JSON is stored as data instead of replacing the prototype.
 */
export function setOwn(record: Record<string, string>, key: string, value: string): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}
