CREATE TABLE "captions" (
	"id" serial PRIMARY KEY NOT NULL,
	"image_id" text NOT NULL,
	"source" text NOT NULL,
	"text" text NOT NULL,
	"ordinal" integer DEFAULT 0 NOT NULL,
	"model_id" text DEFAULT '' NOT NULL,
	"model_version" text DEFAULT '' NOT NULL,
	"params_hash" text DEFAULT '' NOT NULL,
	"run_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "datasets" (
	"id" text PRIMARY KEY NOT NULL,
	"root" text NOT NULL,
	"source" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "images" (
	"id" text PRIMARY KEY NOT NULL,
	"dataset_id" text NOT NULL,
	"sha256" text NOT NULL,
	"path" text NOT NULL,
	"bytes" bigint NOT NULL,
	"split" text,
	"format" text,
	"width" integer,
	"height" integer,
	"seq" serial NOT NULL,
	"added_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ingest_issues" (
	"id" serial PRIMARY KEY NOT NULL,
	"dataset_id" text NOT NULL,
	"location" text NOT NULL,
	"file" text,
	"code" text NOT NULL,
	"message" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "stage_results" (
	"image_id" text NOT NULL,
	"stage" text NOT NULL,
	"model_id" text NOT NULL,
	"model_version" text NOT NULL,
	"params_hash" text NOT NULL,
	"params" jsonb NOT NULL,
	"output" jsonb,
	"error_code" text,
	"error" text,
	"run_id" text,
	"duration_ms" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "stage_results_image_id_stage_model_id_model_version_params_hash_pk" PRIMARY KEY("image_id","stage","model_id","model_version","params_hash")
);
--> statement-breakpoint
CREATE TABLE "checkpoints" (
	"id" text PRIMARY KEY NOT NULL,
	"run_id" text NOT NULL,
	"step" integer NOT NULL,
	"path" text NOT NULL,
	"sha256" text NOT NULL,
	"metrics" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"export_path" text,
	"export_sha256" text,
	"kept" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "metrics" (
	"id" serial PRIMARY KEY NOT NULL,
	"run_id" text NOT NULL,
	"split" text NOT NULL,
	"name" text NOT NULL,
	"caption_source" text NOT NULL,
	"model" text DEFAULT '' NOT NULL,
	"value" double precision NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "reports" (
	"id" serial PRIMARY KEY NOT NULL,
	"run_id" text NOT NULL,
	"path" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "runs" (
	"id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"dataset_id" text,
	"parent_id" text,
	"config" jsonb NOT NULL,
	"status" text NOT NULL,
	"counts" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"timings" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"error" text,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "captions" ADD CONSTRAINT "captions_image_id_images_id_fk" FOREIGN KEY ("image_id") REFERENCES "public"."images"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "images" ADD CONSTRAINT "images_dataset_id_datasets_id_fk" FOREIGN KEY ("dataset_id") REFERENCES "public"."datasets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ingest_issues" ADD CONSTRAINT "ingest_issues_dataset_id_datasets_id_fk" FOREIGN KEY ("dataset_id") REFERENCES "public"."datasets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stage_results" ADD CONSTRAINT "stage_results_image_id_images_id_fk" FOREIGN KEY ("image_id") REFERENCES "public"."images"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "captions_key_idx" ON "captions" USING btree ("image_id","source","model_id","model_version","params_hash","ordinal");--> statement-breakpoint
CREATE INDEX "captions_source_idx" ON "captions" USING btree ("source","model_id");--> statement-breakpoint
CREATE UNIQUE INDEX "images_dataset_sha_idx" ON "images" USING btree ("dataset_id","sha256");--> statement-breakpoint
CREATE INDEX "images_dataset_seq_idx" ON "images" USING btree ("dataset_id","seq");--> statement-breakpoint
CREATE UNIQUE INDEX "ingest_issues_key_idx" ON "ingest_issues" USING btree ("dataset_id","location","code");--> statement-breakpoint
CREATE INDEX "stage_results_stage_idx" ON "stage_results" USING btree ("stage","model_id","model_version","params_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "checkpoints_run_step_idx" ON "checkpoints" USING btree ("run_id","step");--> statement-breakpoint
CREATE UNIQUE INDEX "metrics_key_idx" ON "metrics" USING btree ("run_id","split","name","caption_source","model");--> statement-breakpoint
CREATE INDEX "runs_dataset_idx" ON "runs" USING btree ("dataset_id","kind");