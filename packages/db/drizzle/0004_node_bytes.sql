-- Node hashes as their 32 bytes, bodies as bytea with a format byte (0: UTF-8 text, 1: deflate,
-- 2: deflate against the node named by `base`; see src/node-store.ts). Existing bodies keep their
-- text as format 0; new nodes are written compressed. content_env, versions and audit_log hold their
-- root hashes as bytes too.
ALTER TABLE "nodes" ALTER COLUMN "hash" SET DATA TYPE bytea USING decode("hash", 'hex');--> statement-breakpoint
ALTER TABLE "nodes" ALTER COLUMN "body" SET DATA TYPE bytea USING ('\x00'::bytea || convert_to("body", 'UTF8'));--> statement-breakpoint
ALTER TABLE "nodes" ADD COLUMN "base" bytea;
--> statement-breakpoint
ALTER TABLE "content_env" ALTER COLUMN "root" SET DATA TYPE bytea USING decode("root", 'hex');
--> statement-breakpoint
ALTER TABLE "versions" ALTER COLUMN "root" SET DATA TYPE bytea USING decode("root", 'hex');--> statement-breakpoint
ALTER TABLE "audit_log" ALTER COLUMN "before" SET DATA TYPE bytea USING decode("before", 'hex');--> statement-breakpoint
ALTER TABLE "audit_log" ALTER COLUMN "after" SET DATA TYPE bytea USING decode("after", 'hex');
