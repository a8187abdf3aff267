import { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';

/**
 * A lookup of one row by equality on some columns. TypeORM writes its SQL once, for the
 * database in use (quoting and placeholders included); each call then only binds values and
 * hydrates the row. `findOneBy` rebuilds the query on every call, which cost more CPU than
 * SQLite itself on the hot paths of a push (one lookup per HEAD, PATCH and PUT).
 */
export class PreparedLookup<E extends ObjectLiteral> {
  private prepared?: { sql: string; columns: ColumnMetadata[] };

  constructor(
    private readonly dataSource: DataSource,
    private readonly entity: EntityTarget<E>,
    private readonly keys: ReadonlyArray<keyof E & string>,
  ) {}

  /** The row whose key columns equal `values` (in the order of the keys), or null. */
  async find(...values: unknown[]): Promise<E | null> {
    const { sql, columns } = (this.prepared ??= this.prepare());
    const rows: Record<string, unknown>[] = await this.dataSource.query(sql, values);
    if (rows.length === 0) return null;
    const row = rows[0];
    const found = this.dataSource.getMetadata(this.entity).create() as E;
    columns.forEach((column, index) => column.setEntityValue(found, this.dataSource.driver.prepareHydratedValue(row[`c${index}`], column)));
    return found;
  }

  private prepare(): { sql: string; columns: ColumnMetadata[] } {
    const metadata = this.dataSource.getMetadata(this.entity);
    const columns = metadata.columns;
    const query = this.dataSource.createQueryBuilder(this.entity, 'e').select([]);
    columns.forEach((column, index) => query.addSelect(`e.${column.propertyPath}`, `c${index}`));
    this.keys.forEach((key, index) => query.andWhere(`e.${key} = :k${index}`, { [`k${index}`]: `k${index}` }));
    const [sql, parameters] = query.limit(1).getQueryAndParameters();
    // Placeholders must come in key order for `find` to bind its values positionally.
    if (parameters.length !== this.keys.length || parameters.some((parameter, index) => parameter !== `k${index}`)) {
      throw new Error(`unexpected parameters for a lookup of ${metadata.name}: ${JSON.stringify(parameters)}`);
    }
    return { sql, columns };
  }
}
