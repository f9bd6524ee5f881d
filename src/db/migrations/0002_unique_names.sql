-- Names that the API keeps unique (ignoring case) are unique in the database too, so that two
-- processes creating the same label at once cannot both succeed even if the row lock is bypassed.
CREATE UNIQUE INDEX lead_statuses_org_label_key ON lead_statuses (organization_id, lower(label));
CREATE UNIQUE INDEX custom_fields_org_type_name_key ON custom_fields (organization_id, object_type, lower(name));
