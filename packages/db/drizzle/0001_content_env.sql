CREATE TABLE "content_env" (
	"root" text PRIMARY KEY NOT NULL,
	"names" jsonb NOT NULL
);
