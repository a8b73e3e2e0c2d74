/**
 * Every lint rule, listed explicitly (one file per rule, each exporting `rule`). Order is the
 * order findings are reported for one statement. the compat-… and hygiene-… rules are added here as they appear.
 */
import type { LintRule } from '../lint-rule.js';
import { rule as addingFieldWithDefault } from './adding-field-with-default.js';
import { rule as addingForeignKeyConstraint } from './adding-foreign-key-constraint.js';
import { rule as addingNotNullableField } from './adding-not-nullable-field.js';
import { rule as addingSerialPrimaryKeyField } from './adding-serial-primary-key-field.js';
import { rule as banAlterDomainWithAddConstraint } from './ban-alter-domain-with-add-constraint.js';
import { rule as banConcurrentIndexCreationInTransaction } from './ban-concurrent-index-creation-in-transaction.js';
import { rule as banCreateDomainWithConstraint } from './ban-create-domain-with-constraint.js';
import { rule as banExclusionConstraint } from './ban-exclusion-constraint.js';
import { rule as changingColumnType } from './changing-column-type.js';
import { rule as compatAddColumnJson } from './compat-add-column-json.js';
import { rule as compatAddingRequiredField } from './compat-adding-required-field.js';
import { rule as compatBanDropColumn } from './compat-ban-drop-column.js';
import { rule as compatBanDropDatabase } from './compat-ban-drop-database.js';
import { rule as compatBanDropNotNull } from './compat-ban-drop-not-null.js';
import { rule as compatBanDropTable } from './compat-ban-drop-table.js';
import { rule as compatBanTruncateCascade } from './compat-ban-truncate-cascade.js';
import { rule as compatDropConstraint } from './compat-drop-constraint.js';
import { rule as compatRenameEnumValue } from './compat-rename-enum-value.js';
import { rule as compatRenameSchema } from './compat-rename-schema.js';
import { rule as compatRenamingColumn } from './compat-renaming-column.js';
import { rule as compatRenamingTable } from './compat-renaming-table.js';
import { rule as compatRequireEnumValueOrdering } from './compat-require-enum-value-ordering.js';
import { rule as constraintMissingNotValid } from './constraint-missing-not-valid.js';
import { rule as disallowedUniqueConstraint } from './disallowed-unique-constraint.js';
import { rule as hygieneBanCharField } from './hygiene-ban-char-field.js';
import { rule as hygieneBanDuplicateColumnAssignments } from './hygiene-ban-duplicate-column-assignments.js';
import { rule as hygieneBanUncommittedTransaction } from './hygiene-ban-uncommitted-transaction.js';
import { rule as hygieneIdentifierTooLong } from './hygiene-identifier-too-long.js';
import { rule as hygienePreferBigintOverInt } from './hygiene-prefer-bigint-over-int.js';
import { rule as hygienePreferBigintOverSmallint } from './hygiene-prefer-bigint-over-smallint.js';
import { rule as hygienePreferIdentity } from './hygiene-prefer-identity.js';
import { rule as hygienePreferRobustStmts } from './hygiene-prefer-robust-stmts.js';
import { rule as hygienePreferTextField } from './hygiene-prefer-text-field.js';
import { rule as hygienePreferTimestamptz } from './hygiene-prefer-timestamptz.js';
import { rule as hygieneTransactionNesting } from './hygiene-transaction-nesting.js';
import { rule as preferRepack } from './prefer-repack.js';
import { rule as requireConcurrentIndexCreation } from './require-concurrent-index-creation.js';
import { rule as requireConcurrentIndexDeletion } from './require-concurrent-index-deletion.js';
import { rule as requireConcurrentPartitionDetach } from './require-concurrent-partition-detach.js';
import { rule as requireConcurrentReindex } from './require-concurrent-reindex.js';
import { rule as requireLockTimeout } from './require-lock-timeout.js';
import { rule as requireStatementTimeout } from './require-statement-timeout.js';

/** Locking and rewrite rules: classification unsafe. */
export const LOCKING_RULES: readonly LintRule[] = [
  requireConcurrentIndexCreation,
  requireConcurrentIndexDeletion,
  banConcurrentIndexCreationInTransaction,
  requireConcurrentReindex,
  requireConcurrentPartitionDetach,
  preferRepack,
  constraintMissingNotValid,
  addingForeignKeyConstraint,
  disallowedUniqueConstraint,
  addingSerialPrimaryKeyField,
  addingFieldWithDefault,
  addingNotNullableField,
  changingColumnType,
  banExclusionConstraint,
  banCreateDomainWithConstraint,
  banAlterDomainWithAddConstraint,
  requireLockTimeout,
  requireStatementTimeout,
];

/** Client-compatibility rules: the old version breaks (mostly contract). */
export const COMPAT_RULES: readonly LintRule[] = [
  compatAddColumnJson,
  compatAddingRequiredField,
  compatBanDropColumn,
  compatBanDropDatabase,
  compatBanDropNotNull,
  compatBanDropTable,
  compatBanTruncateCascade,
  compatDropConstraint,
  compatRenameEnumValue,
  compatRenameSchema,
  compatRenamingColumn,
  compatRenamingTable,
  compatRequireEnumValueOrdering,
];

/** Transaction and schema-design hygiene rules. */
export const HYGIENE_RULES: readonly LintRule[] = [
  hygieneBanCharField,
  hygieneBanDuplicateColumnAssignments,
  hygieneBanUncommittedTransaction,
  hygieneIdentifierTooLong,
  hygienePreferBigintOverInt,
  hygienePreferBigintOverSmallint,
  hygienePreferIdentity,
  hygienePreferRobustStmts,
  hygienePreferTextField,
  hygienePreferTimestamptz,
  hygieneTransactionNesting,
];

export const ALL_RULES: readonly LintRule[] = [...LOCKING_RULES, ...COMPAT_RULES, ...HYGIENE_RULES];
