{{/*
One egress rule: to the given peers (none: any address) on the given TCP ports.
Call with (dict "to" $peers "ports" $ports).
*/}}
{{- define "billing-portal.egressRule" -}}
- ports:
    {{- range .ports }}
    - port: {{ . }}
      protocol: TCP
    {{- end }}
  {{- with .to }}
  to:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}

{{/*
NetworkPolicy of one component.
Ingress: a gRPC backend, on its port, only from the pods of the components that call it (and, for the
`admin: true` component, from networkPolicy.adminFrom); the gateway, on its port, from networkPolicy.gatewayFrom
(empty: any source); the metrics port from networkPolicy.metricsFrom (empty: any source).
Egress (networkPolicy.egress.enabled): DNS, its upstreams' pods, the broker, and when the component needs them the
database, the SMTP relay, Stripe and the trace collector. Nothing else.
Call with (dict "root" $ "name" "billing" "component" $component).
*/}}
{{- define "billing-portal.networkPolicy" -}}
{{- $root := .root }}
{{- $values := $root.Values }}
{{- $policy := $values.networkPolicy }}
{{- $egress := $policy.egress }}
{{- $c := .component }}
{{- $callers := include "billing-portal.callers" (dict "root" $root "name" .name) }}
{{- $extra := list }}
{{- if $c.admin }}
{{- $extra = $policy.adminFrom | default list }}
{{- end -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "billing-portal.componentFullname" . }}
  labels:
    {{- include "billing-portal.labels" . | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "billing-portal.selectorLabels" . | nindent 6 }}
  policyTypes:
    - Ingress
    {{- if $egress.enabled }}
    - Egress
    {{- end }}
  ingress:
    {{- if eq $c.protocol "http" }}
    - ports:
        - port: {{ $c.port }}
          protocol: TCP
      {{- with $policy.gatewayFrom }}
      from:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    {{- else if or $callers $extra }}
    - from:
        {{- if $callers }}
        {{- range $caller := splitList "," $callers }}
        - podSelector:
            matchLabels:
              {{- include "billing-portal.selectorLabels" (dict "root" $root "name" $caller) | nindent 14 }}
        {{- end }}
        {{- end }}
        {{- with $extra }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      ports:
        - port: {{ $c.port }}
          protocol: TCP
    {{- end }}
    {{- if $values.metrics.enabled }}
    - ports:
        - port: {{ $values.metrics.port }}
          protocol: TCP
      {{- with $policy.metricsFrom }}
      from:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    {{- end }}
  {{- if $egress.enabled }}
  egress:
    - ports:
        {{- range $egress.dns.ports }}
        - port: {{ . }}
          protocol: UDP
        - port: {{ . }}
          protocol: TCP
        {{- end }}
      {{- with $egress.dns.to }}
      to:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    {{- range $upstream := $c.upstreams }}
    {{- $target := index $values.components $upstream }}
    {{- if $target.enabled }}
    - to:
        - podSelector:
            matchLabels:
              {{- include "billing-portal.selectorLabels" (dict "root" $root "name" $upstream) | nindent 14 }}
      ports:
        - port: {{ $target.port }}
          protocol: TCP
    {{- end }}
    {{- end }}
    {{- include "billing-portal.egressRule" $egress.kafka | nindent 4 }}
    {{- if $c.database }}
    {{- include "billing-portal.egressRule" $egress.database | nindent 4 }}
    {{- end }}
    {{- if $c.smtp }}
    {{- include "billing-portal.egressRule" (dict "to" $egress.smtp.to "ports" (list $values.mail.smtpPort)) | nindent 4 }}
    {{- end }}
    {{- if $c.stripe }}
    {{- include "billing-portal.egressRule" $egress.stripe | nindent 4 }}
    {{- end }}
    {{- if $values.tracing.enabled }}
    {{- include "billing-portal.egressRule" $egress.tracing | nindent 4 }}
    {{- end }}
  {{- end }}
{{- end }}
