SELECT id, customer_id, total, created_at
FROM retail.orders
WHERE customer_id = {{ params.customer_id }}
ORDER BY created_at DESC
LIMIT 50
