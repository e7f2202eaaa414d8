-- Approvals of and comments on releases (issue 14): both go with their release.
CREATE TABLE "release_approvals" (
	"release_id" text NOT NULL,
	"by" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"comment" text DEFAULT '' NOT NULL,
	CONSTRAINT "release_approvals_release_id_by_pk" PRIMARY KEY("release_id","by")
);
--> statement-breakpoint
CREATE TABLE "release_comments" (
	"id" text PRIMARY KEY NOT NULL,
	"release_id" text NOT NULL,
	"by" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"text" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "release_approvals" ADD CONSTRAINT "release_approvals_release_id_releases_id_fk" FOREIGN KEY ("release_id") REFERENCES "public"."releases"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "release_comments" ADD CONSTRAINT "release_comments_release_id_releases_id_fk" FOREIGN KEY ("release_id") REFERENCES "public"."releases"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "release_comments_release" ON "release_comments" USING btree ("release_id","at");