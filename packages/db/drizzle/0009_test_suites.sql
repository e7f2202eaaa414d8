-- Conversation test suites (issue 15): one per automation, and the source's suite frozen with each release.
CREATE TABLE "release_test_suites" (
	"release_id" text PRIMARY KEY NOT NULL,
	"text" text NOT NULL,
	"suite" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "test_suites" (
	"automation_id" text PRIMARY KEY NOT NULL,
	"text" text NOT NULL,
	"suite" jsonb NOT NULL,
	"updated_by" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "release_test_suites" ADD CONSTRAINT "release_test_suites_release_id_releases_id_fk" FOREIGN KEY ("release_id") REFERENCES "public"."releases"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "test_suites" ADD CONSTRAINT "test_suites_automation_id_automations_id_fk" FOREIGN KEY ("automation_id") REFERENCES "public"."automations"("id") ON DELETE cascade ON UPDATE no action;