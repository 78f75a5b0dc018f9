SELECT id, name, segment
FROM retail.customers
WHERE 1 = 1
{{#params.id}}
  AND id = {{ params.id }}
{{/params.id}}
{{#params.segment}}
  AND segment = '{{{ params.segment }}}'
{{/params.segment}}
{{#params.name}}
  AND name ILIKE '%{{{ params.name }}}%'
{{/params.name}}
LIMIT 100
