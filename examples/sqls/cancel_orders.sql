UPDATE retail.orders
SET status = 'cancelled'
WHERE status = 'open'
{{#params.customer_id}}
  AND customer_id = {{ params.customer_id }}
{{/params.customer_id}}
