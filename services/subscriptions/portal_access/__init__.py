"""What a business lets its customers do with their subscriptions in the portal, and the customer's side of it:
portal settings (`/api/subscription_settings`), AccountSubscriptionService and "Manage Subscription" links."""
