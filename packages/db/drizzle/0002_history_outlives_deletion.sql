ALTER TABLE "releases" DROP CONSTRAINT "releases_source_id_automations_id_fk";
--> statement-breakpoint
ALTER TABLE "releases" DROP CONSTRAINT "releases_target_id_automations_id_fk";
--> statement-breakpoint
ALTER TABLE "upgrades" DROP CONSTRAINT "upgrades_target_id_automations_id_fk";
--> statement-breakpoint
ALTER TABLE "releases" ADD COLUMN "source_name" text;--> statement-breakpoint
ALTER TABLE "releases" ADD COLUMN "target_name" text;