-- The export tasks' file_name filter matches folded text (store::search::fold) like every
-- other keyword: file names hold group names (group-users exports), in any script. Filled by
-- the store on insert; rows made before this migration by the data step
-- "export-file-name-fold" (store::refold), which fills the NULLs.
ALTER TABLE export_tasks ADD COLUMN file_name_fold TEXT;
